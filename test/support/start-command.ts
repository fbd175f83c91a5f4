/**
 * package.json "start" split into node's flags and the script (`node <flags> <script>`): the one reading of it
 * for the benches that start the server as `npm start` does and for the test that holds the Dockerfile's CMD
 * to the same flags. Undefined when "start" is not a node command (an older checkout, say).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StartCommand {
  /** Everything between `node` and the script. */
  flags: string[];
  script: string;
}

export function startCommand(root = '.'): StartCommand | undefined {
  const text = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = text.trim().split(/\s+/);
  if (words[0] !== 'node' || words.length < 2) return undefined;
  return { flags: words.slice(1, -1), script: words.at(-1)! };
}
