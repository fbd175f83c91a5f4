/** Settings tests: the ConfigError that `loadConfig` throws for an environment (the test fails if it accepts it). */
import { ConfigError, loadConfig } from '../../src/core/config.js';

export function configFault(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('accepted: no ConfigError');
}
