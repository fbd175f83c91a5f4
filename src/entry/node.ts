/** Node entry point: `npm start`. Serves the app with @hono/node-server on EABGATE_HOST:EABGATE_PORT. */
import { serve } from '@hono/node-server';
import { loadConfig, ConfigError } from '../core/config.js';
import { purgeExpired } from '../core/purge.js';
import { buildServices, createApp } from '../app/app.js';
import { nodeDeps } from '../adapters/node/deps.js';
import { tlsMaterial } from '../adapters/node/tls.js';
import { createServer as createHttpsServer } from 'node:https';

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
  const deps = await nodeDeps(config);
  if (!config.va.dnssec) {
    // The Baseline Requirements want DNSSEC-validated look-ups for domain validation and CAA.
    deps.logger.info('dnssec not required: set EABGATE_VA_DNS_SERVER to a validating resolver and EABGATE_VA_DNSSEC=require for public issuance');
  }
  const services = buildServices(deps);
  const app = createApp(deps, services);

  const purge = async () => {
    try {
      const report = await purgeExpired(deps.store, deps.clock);
      deps.logger.info('purge', { ...report });
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
      if (report.trackingOrders + report.acmeOrders > 0) deps.logger.info('recovery', { ...report });
    } catch (err) {
      deps.logger.error('recovery failed', { error: (err as Error).name });
    }
  };
  const recoveryTimer =
    config.issuance.recoveryIntervalSeconds > 0 ? setInterval(recover, config.issuance.recoveryIntervalSeconds * 1000) : undefined;
  recoveryTimer?.unref();

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
  const stop = () => {
    clearInterval(timer);
    clearInterval(recoveryTimer);
    deps.keyPool?.stop();
    server.close(() => {
      deps.sqlite.close();
      process.exit(0);
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
