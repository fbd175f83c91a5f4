/** Node entry point: `npm start`. Serves the app with @hono/node-server on EABGATE_HOST:EABGATE_PORT. */
import { serve } from '@hono/node-server';
import { loadConfig, ConfigError } from '../core/config.js';
import { purgeExpired } from '../core/purge.js';
import { buildServices, createApp } from '../app/app.js';
import { mailRound } from '../app/mail-job.js';
import { nodeDeps } from '../adapters/node/deps.js';
import { tlsMaterial } from '../adapters/node/tls.js';
import { createServer as createHttpsServer } from 'node:https';

/** How long an idle keep-alive connection stays open (ms): longer than common load balancers' 60 s. */
const KEEP_ALIVE_MS = 65_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`eabgate: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (config.delegation && !config.delegation.dnsListen) {
    process.stderr.write('eabgate: configuration error: EABGATE_DNS_LISTEN: is required on Node with EABGATE_DELEGATION_ZONE (the built-in DNS server, e.g. "0.0.0.0:53")\n');
    process.exit(2);
  }
  const deps = await nodeDeps(config);
  // DNS delegation: the authoritative server of the delegation zone, before anything can be ordered.
  await deps.delegationDns?.start();
  if (!config.va.dnssec) {
    // The Baseline Requirements want DNSSEC-validated look-ups for domain validation and CAA.
    deps.logger.info('dnssec not required: set EABGATE_VA_DNS_SERVER to a validating resolver and EABGATE_VA_DNSSEC=require for public issuance');
  }
  const services = buildServices(deps);
  const app = createApp(deps, services);

  const purge = async () => {
    try {
      const report = await purgeExpired(deps.store, deps.clock);
      const retention = await services.ra.purgeRetention();
      deps.logger.info('purge', { ...report, ...retention });
    } catch (err) {
      deps.logger.error('purge failed', { error: (err as Error).name });
    }
  };
  await purge();
  const timer = config.purgeIntervalSeconds > 0 ? setInterval(purge, config.purgeIntervalSeconds * 1000) : undefined;
  timer?.unref();

  // Crash recovery: issuance nobody moved for a lease is finished, submitted again or given up.
  const recover = async () => {
    try {
      const report = await services.ra.recoverStuck();
      if (report.trackingOrders + report.acmeOrders + report.upstreamOrders + report.upstreamFollowed > 0) deps.logger.info('recovery', { ...report });
    } catch (err) {
      deps.logger.error('recovery failed', { error: (err as Error).name });
    }
  };
  const recoveryTimer =
    config.issuance.recoveryIntervalSeconds > 0 ? setInterval(recover, config.issuance.recoveryIntervalSeconds * 1000) : undefined;
  recoveryTimer?.unref();

  // Mail (with mail settings): reminders into the outbox once a minute, the outbox sent every EABGATE_MAIL_INTERVAL.
  let mailRounds = 0;
  let mailing = false;
  const mail = async () => {
    if (mailing) return;
    mailing = true;
    try {
      const reminders = mailRounds++ % Math.max(1, Math.round(60 / (config.mail?.intervalSeconds ?? 60))) === 0;
      const report = await mailRound(deps, services.ra, { reminders });
      if (report.queued + report.sent + report.retried + report.failed > 0) deps.logger.info('mail', { ...report });
    } catch (err) {
      deps.logger.error('mail round failed', { error: (err as Error).name });
    } finally {
      mailing = false;
    }
  };
  const mailTimer = config.mail ? setInterval(mail, config.mail.intervalSeconds * 1000) : undefined;
  mailTimer?.unref();
  if (config.mail) void mail();
  else deps.logger.info('mail off: no EABGATE_SMTP_URL, so no shipment notices, reminders, address verification or password reset by mail');

  const tls = await tlsMaterial(config, deps.ca);
  const listening = (info: { address: string; port: number }) => {
    deps.logger.info('listening', { address: info.address, port: info.port, baseUrl: config.baseUrl, dataDir: config.dataDir, tls: config.tls.mode });
    // AutoCSR orders take a key pair ready in memory instead of waiting for RSA key generation. The pool
    // fills once the server listens: its key generation would otherwise take the cores from the start.
    deps.keyPool?.start();
  };
  const server = tls
    ? serve({ fetch: app.fetch, hostname: config.host, port: config.port, createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } }, listening)
    : serve({ fetch: app.fetch, hostname: config.host, port: config.port }, listening);
  // Idle keep-alive connections stay open 65 s instead of Node's 5 s: a load balancer or client that reuses a
  // connection the server has just closed gets a reset (502s behind AWS ALB, whose idle timeout is 60 s; a
  // client's POST is not retried). The header timeout must exceed it (Node's keep-alive/headers race).
  const http1 = server as unknown as { keepAliveTimeout: number; headersTimeout: number };
  http1.keepAliveTimeout = KEEP_ALIVE_MS;
  http1.headersTimeout = KEEP_ALIVE_MS + 1000;
  const stop = () => {
    void deps.delegationDns?.stop();
    clearInterval(timer);
    clearInterval(recoveryTimer);
    clearInterval(mailTimer);
    deps.keyPool?.stop();
    server.close(() => {
      void Promise.resolve(deps.database.close()).finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(`eabgate: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
