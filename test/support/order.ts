/** Order helpers shared by tests: place an AutoCSR order, save its archive, open it with real 7-Zip. */
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Harness } from './harness.js';
import { run, sevenZip } from './tools.js';

export interface PlacedOrderJson {
  orderNumber: string;
  caReference: string;
  status: string;
  autoCsr: boolean;
  csr: string;
  domains: string[];
  keyArchive?: { filename: string; contentType: string; data: string };
  [k: string]: unknown;
}

export const ORG = { name: 'Example Trading Ltd', unit: 'IT', locality: 'London', state: 'London', country: 'GB', email: 'it@example.com' };
/** What an EV order adds (EV Guidelines §7.1.4.2). */
export const EV_ORG = { ...ORG, businessCategory: 'Private Organization', registrationNumber: '01234567', jurisdictionCountry: 'GB' };

export async function placeAutoCsr(h: Harness, token: string, body: Record<string, unknown> = {}): Promise<PlacedOrderJson> {
  const res = await h.request('POST', '/api/v1/orders', {
    token,
    json: { product: 'ov', domains: ['example.com'], organization: ORG, ...body },
  });
  if (res.status !== 201) throw new Error(`order: ${res.status} ${await res.text()}`);
  return (await res.json()) as PlacedOrderJson;
}

/** Writes the archive to a fresh directory and tries to extract it with `7z x -p<code>`. */
export function extractWith7z(archiveBase64: string, code: string): { status: number | null; dir: string; files: string[]; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-7z-'));
  const zip = join(dir, 'key.zip');
  writeFileSync(zip, Buffer.from(archiveBase64, 'base64'));
  const out = join(dir, 'out');
  const r = run(sevenZip(), ['x', `-p${code}`, `-o${out}`, '-y', zip]);
  let files: string[] = [];
  try {
    files = readdirSync(out);
  } catch {
    files = [];
  }
  return { status: r.status, dir: out, files, stderr: r.stderr + r.stdout };
}

export function readExtracted(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}
