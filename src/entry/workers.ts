/**
 * Workers entry point (wrangler.toml `main`): the same app as on Node over D1, plus the hourly purge of
 * expired secrets from the cron trigger. Dependencies are built once per isolate, on first use.
 */
import type { ExecutionContext, ScheduledController } from '@cloudflare/workers-types/latest';
import { ConfigError } from '../core/config.js';
import { Problem, problems, API_PROBLEM_BASE } from '../core/problem.js';
import { purgeExpired } from '../core/purge.js';
import { registrationAuthority } from '../ra/index.js';
import { createApp, type App } from '../app/app.js';
import type { AppDeps } from '../app/context.js';
import { workersDeps, type WorkersEnv } from '../adapters/workers/deps.js';
import { consoleLogger } from '../adapters/workers/logger.js';
import { mailRound } from '../app/mail-job.js';

const logger = consoleLogger();

interface Built {
  deps: AppDeps;
  app: App;
}

let built: Promise<Built> | undefined;

/** Once per isolate; a failure is not kept, so the next request tries again. */
function build(env: WorkersEnv): Promise<Built> {
  built ??= workersDeps(env, logger)
    .then((deps) => ({ deps, app: createApp(deps) }))
    .catch((err: unknown) => {
      built = undefined;
      throw err;
    });
  return built;
}

/** A start-up failure as a problem document: the variable is named, nothing else leaves. */
function startupProblem(err: unknown): Problem {
  if (err instanceof ConfigError) {
    logger.error('configuration error', { variable: err.variable });
    return new Problem(API_PROBLEM_BASE + 'configuration', 'Server misconfigured', 500, `Configuration error: ${err.message}`, {
      extensions: { variable: err.variable },
    });
  }
  logger.error('start-up failed', { error: (err as Error)?.name });
  return problems.internal();
}

async function fetch(request: Request, env: WorkersEnv, ctx: ExecutionContext): Promise<Response> {
  let app: App;
  try {
    ({ app } = await build(env));
  } catch (err) {
    return startupProblem(err).toResponse({ 'cache-control': 'no-store' });
  }
  return app.fetch(request, env, ctx);
}

async function scheduled(controller: ScheduledController, env: WorkersEnv, ctx: ExecutionContext): Promise<void> {
  const run = async () => {
    try {
      const { deps } = await build(env);
      const report = await purgeExpired(deps.store, deps.clock);
      const { ra } = registrationAuthority(deps);
      const retention = await ra.purgeRetention();
      deps.logger.info('purge', { ...report, ...retention, cron: controller.cron });
      // Crash recovery: issuance nobody moved for a lease is finished, submitted again or given up.
      const recovered = await ra.recoverStuck();
      deps.logger.info('recovery', { ...recovered, cron: controller.cron });
      // Mail (with EABGATE_MAIL_API_URL): reminders due now into the outbox, then the outbox sent.
      const mailed = await mailRound(deps, ra, { reminders: true });
      if (deps.mailer) deps.logger.info('mail', { ...mailed, cron: controller.cron });
    } catch (err) {
      if (err instanceof ConfigError) logger.error('purge skipped: configuration error', { variable: err.variable });
      else logger.error('purge failed', { error: (err as Error)?.name });
    }
  };
  ctx.waitUntil(run());
}

export default { fetch, scheduled };
