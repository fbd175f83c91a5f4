/**
 * package.json "start" split into its environment, node's flags and the script
 * (`NAME=value … node <flags> <script>`): the one reading of it for the benches that start the server as
 * `npm start` does and for the test that holds the Dockerfile to the same settings. Undefined when "start" is
 * not a node command (an older checkout, say).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StartCommand {
  /** The variables set before `node` (e.g. MALLOC_ARENA_MAX). */
  env: Record<string, string>;
  /** Everything between `node` and the script. */
  flags: string[];
  script: string;
}

const ASSIGNMENT = /^([A-Z_][A-Z0-9_]*)=(\S*)$/;

export function startCommand(root = '.'): StartCommand | undefined {
  const text = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = text.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let at = 0;
  for (let m; at < words.length && (m = ASSIGNMENT.exec(words[at]!)); at++) env[m[1]!] = m[2]!;
  const node = words.slice(at);
  if (node[0] !== 'node' || node.length < 2) return undefined;
  return { env, flags: node.slice(1, -1), script: node.at(-1)! };
}
