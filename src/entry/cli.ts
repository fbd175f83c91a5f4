/**
 * Operator CLI (`npx eabgate <command>`), on the same configuration and data dir as the server.
 * Commands print plain text; a failure exits non-zero with a message and never a stack trace.
 */
import { loadConfig, ConfigError } from '../core/config.js';
import { Problem } from '../core/problem.js';
import { DomainError } from '../core/errors.js';
import { nodeDeps, type NodeDeps } from '../adapters/node/deps.js';
import { cliCommands } from './cli-commands.js';

const USAGE = `usage: eabgate <command>

commands:
${Object.entries(cliCommands)
  .map(([name, c]) => `  ${name.padEnd(36)}${c.summary}`)
  .join('\n')}

Configuration comes from the same EABGATE_* environment variables as the server (EABGATE_DATA_DIR, ...).`;

async function main(argv: string[]): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('--'));
  if (words.length === 0 || argv.includes('--help') || words[0] === 'help') {
    process.stdout.write(USAGE + '\n');
    return words.length === 0 && !argv.includes('--help') ? 2 : 0;
  }
  // Longest command name that the words start with ("accounts list" before "accounts").
  const name = Object.keys(cliCommands)
    .sort((a, b) => b.length - a.length)
    .find((n) => words.slice(0, n.split(' ').length).join(' ') === n);
  if (!name) {
    process.stderr.write(`eabgate: unknown command "${words.join(' ')}"\n\n${USAGE}\n`);
    return 2;
  }
  const rest = argv.slice(argv.indexOf(name.split(' ').at(-1)!) + 1);
  const config = loadConfig(process.env);
  const deps: NodeDeps = await nodeDeps(config, { logger: { info: () => {}, error: () => {} } });
  try {
    return await cliCommands[name]!.run(deps, rest, (line) => process.stdout.write(line + '\n'));
  } finally {
    await deps.database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) process.stderr.write(`eabgate: configuration error: ${err.message}\n`);
    else if (err instanceof Problem || err instanceof DomainError) process.stderr.write(`eabgate: ${err.detail}\n`);
    else process.stderr.write(`eabgate: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
