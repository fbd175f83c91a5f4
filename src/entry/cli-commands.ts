/** The operator CLI's commands: each gets the Node deps, its own arguments and a line printer. */
import { parseArgs } from 'node:util';
import { purgeExpired } from '../core/purge.js';
import { registrationAuthority } from '../ra/index.js';
import { orderCommands } from './cli-orders.js';
import type { NodeDeps } from '../adapters/node/deps.js';
import { caasCommands } from './cli-caas.js';

export interface CliCommand {
  summary: string;
  run(deps: NodeDeps, args: string[], print: (line: string) => void): Promise<number>;
}

const coreCommands: Record<string, CliCommand> = {
  purge: {
    summary: 'delete expired unlock codes, sessions, ACME nonces and counters, and what the retention periods let go',
    async run(deps, _args, print) {
      const r = await purgeExpired(deps.store, deps.clock);
      print(`purged: unlock codes: ${r.unlockCodes}, sessions: ${r.sessions}, ACME nonces: ${r.acmeNonces}, throttles: ${r.throttles}`);
      const k = await registrationAuthority(deps).ra.purgeRetention();
      print(
        `retention: EAB view log rows: ${k.eabViews}, ACME orders: ${k.acmeOrders}, closed orders erased: ${k.ordersErased}, validation records: ${k.validationRecords}`,
      );
      return 0;
    },
  },
  'accounts list': {
    summary: 'list customer accounts (--json for JSON)',
    async run(deps, args, print) {
      const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
      const list = await deps.store.customers.list();
      if (values.json) {
        print(JSON.stringify(list.map((c) => ({ id: c.id, email: c.email, createdAt: c.createdAt.toISOString() }))));
      } else {
        for (const c of list) print(`${c.id}  ${c.email}  ${c.createdAt.toISOString()}`);
        print(`${list.length} account${list.length === 1 ? '' : 's'}`);
      }
      return 0;
    },
  },
};

/** Every command; modules with commands of their own are spread in here. */
export const cliCommands: Record<string, CliCommand> = {
  ...coreCommands,
  ...orderCommands,
  ...caasCommands,
};
