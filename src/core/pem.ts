/**
 * PEM (RFC 7468): writing one block, reading the blocks of a text. The one home of "-----BEGIN …-----"
 * handling; Web APIs only (it runs on Node, Workers and in the portal's browser bundle).
 */
import { fromBase64, toBase64 } from './encoding.js';

export interface PemBlock {
  label: string;
  der: Uint8Array<ArrayBuffer>;
}

/** A block whose body is not base64; `label` names it for the message. */
export class PemError extends Error {
  constructor(readonly label: string) {
    super(`the ${label} PEM block is not valid base64`);
    this.name = 'PemError';
  }
}

/** The start of a PKCS#10 request, with the "NEW" that some tools still write. */
export const CSR_PEM_BEGIN = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----/;

/** One block, base64 in lines of 64 characters, ending with a newline. */
export function toPem(label: string, der: ArrayBuffer | Uint8Array): string {
  const b64 = toBase64(der instanceof Uint8Array ? der : new Uint8Array(der));
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The blocks of a text, in order (text around them is ignored; RFC 1421 headers such as "Proc-Type:" inside
 * a block are skipped). With `label`, only blocks of that label are decoded and returned.
 * Throws PemError for a block whose body is not base64.
 */
export function pemBlocks(text: string, label?: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    if (label !== undefined && m[1] !== label) continue;
    const body = m[2]!.replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '');
    let der: Uint8Array<ArrayBuffer>;
    try {
      der = fromBase64(body) as Uint8Array<ArrayBuffer>;
    } catch {
      throw new PemError(m[1]!);
    }
    out.push({ label: m[1]!, der });
  }
  return out;
}

/** "NEW CERTIFICATE REQUEST" (old tools) → "CERTIFICATE REQUEST", what PKCS#10 parsers expect. */
export const withoutNewCsrLabel = (pem: string): string => pem.replace(/NEW CERTIFICATE REQUEST/g, 'CERTIFICATE REQUEST');
