/** Operator CLI: decisions on OV/EV orders waiting for organization validation. */
import { parseArgs } from 'node:util';
import { approveOrder, rejectOrder } from '../orders/approval.js';
import { registrationAuthority } from '../ra/index.js';
import type { CliCommand } from './cli-commands.js';

export const orderCommands: Record<string, CliCommand> = {
  'orders approve': {
    summary: 'approve an OV/EV order waiting for approval: <orderNumber>',
    async run(deps, args, print) {
      const { positionals } = parseArgs({ args, allowPositionals: true });
      if (positionals.length !== 1) throw new Error('usage: eabgate orders approve <orderNumber>');
      const o = await approveOrder({ store: deps.store, ra: registrationAuthority(deps).ra }, positionals[0]!);
      print(`${o.orderNumber}: ${o.status}${o.statusReason ? ` (${o.statusReason})` : ''}`);
      return o.status === 'issued' || o.status === 'pending_issuance' ? 0 : 1;
    },
  },
  'orders reject': {
    summary: 'reject an OV/EV order: <orderNumber> --reason "<text the customer sees>"',
    async run(deps, args, print) {
      const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { reason: { type: 'string' } } });
      if (positionals.length !== 1 || !values.reason) throw new Error('usage: eabgate orders reject <orderNumber> --reason "<text>"');
      const o = await rejectOrder({ store: deps.store, ra: registrationAuthority(deps).ra }, positionals[0]!, values.reason);
      print(`${o.orderNumber}: ${o.status} (${o.statusReason})`);
      return 0;
    },
  },
  'orders list': {
    summary: 'list orders waiting for approval (--all for every order)',
    async run(deps, args, print) {
      const { values } = parseArgs({ args, options: { all: { type: 'boolean' } } });
      const customers = await deps.store.customers.list();
      let n = 0;
      for (const c of customers) {
        for (const o of await deps.store.orders.listByCustomer(c.id)) {
          if (!values.all && o.status !== 'pending_approval') continue;
          n++;
          print(`${o.orderNumber}  ${o.product.toUpperCase()}  ${o.status.padEnd(18)}  ${c.email}  ${o.domains.join(',')}  ${o.organization.name ?? ''}`);
        }
      }
      print(`${n} order${n === 1 ? '' : 's'}`);
      return 0;
    },
  },
};
