/** CSRs made with the real openssl, as customers make them. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openssl } from './tools.js';

/** `subject` (openssl's -subj form) replaces the plain /CN=… subject. */
export function opensslCsr(opts: { key: string; cn: string; sans: string[]; subject?: string }): { csr: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-csr-'));
  const keyFile = join(dir, 'key.pem');
  const csrFile = join(dir, 'csr.pem');
  const keyArgs = opts.key === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', opts.key];
  const args = ['req', '-new', ...keyArgs, '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', opts.subject ?? `/CN=${opts.cn}`];
  if (opts.sans.length) args.push('-addext', `subjectAltName=${opts.sans.map((s) => `DNS:${s}`).join(',')}`);
  const r = openssl(args);
  if (r.status !== 0) throw new Error(`openssl req: ${r.stderr}`);
  return { csr: readFileSync(csrFile, 'utf8'), keyFile };
}

/** Flips a byte inside the signature (the end of the DER) so that the signature no longer verifies. */
export function corruptSignature(pem: string): string {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(b64, 'base64');
  const i = der.length - 10;
  der[i] = der[i]! ^ 0xff;
  const body = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
}
