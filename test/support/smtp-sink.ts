/**
 * A real SMTP server on loopback for the mail tests: Debian's python3-aiosmtpd (scripts/install-tools.sh)
 * running test/support/smtp-sink.py on 127.0.0.1:<free port>. Messages are read back as the sink parsed
 * them with Python's email package: envelope, headers, the plain-text and the HTML part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server.js';
import { stopProcess } from './process.js';

export interface SunkMail {
  mailFrom: string;
  rcptTos: string[];
  headers: Record<string, string>;
  contentType: string;
  text: string | null;
  html: string | null;
  /** The message as it came over the wire. */
  raw: string;
}

export interface SmtpSink {
  port: number;
  url: string;
  messages(): SunkMail[];
  /** Waits until at least `n` messages arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<SunkMail[]>;
  stop(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-smtp-'));
  const port = await freePort();
  // Debian's interpreter, where python3-aiosmtpd is installed (a python3 earlier on PATH may not have it).
  const proc: ChildProcess = spawn('/usr/bin/python3', [join(import.meta.dirname, 'smtp-sink.py'), dir, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => (String(d).includes('ready') ? resolve() : undefined));
    proc.once('exit', (code) => reject(new Error(`smtp sink exited ${code}: ${out}`)));
  });
  const messages = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({ ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Omit<SunkMail, 'raw'>), raw: readFileSync(join(dir, f.replace(/\.json$/, '.eml')), 'utf8') }));
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = messages();
        if (m.length >= n) return m;
        if (Date.now() > deadline) throw new Error(`smtp sink: ${m.length} of ${n} messages after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      // The sink stops when its stdin closes.
      await stopProcess(proc, 3_000, () => proc.stdin!.end());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
