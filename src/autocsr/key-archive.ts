/**
 * The key archive: a ZIP with exactly one entry, the private key in PKCS#8 PEM, encrypted with WinZip AES-256
 * (AE-2) so that 7-Zip, The Unarchiver, `7z x` and bsdtar open it. Built in memory only.
 */
import { toBase64 } from '../core/encoding.js';

/** zip.js (about 150 KiB of the Node bundle) is loaded on the first AutoCSR order, not at start. */
let zip: Promise<typeof import('./zip-writer.js')> | undefined;

export interface KeyArchive {
  filename: string;
  contentType: 'application/zip';
  /** Base64 of the ZIP bytes. */
  data: string;
}

/** A file-name-safe form of a DNS name ("*.example.com" → "wildcard.example.com"). */
export function safeFileStem(name: string): string {
  return name.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9.-]/gi, '_');
}

export async function buildKeyArchive(opts: {
  privateKeyPem: string;
  unlockCode: string;
  entryName: string;
  filename: string;
  modified: Date;
}): Promise<KeyArchive> {
  const { ZipWriter, Uint8ArrayWriter, TextReader } = await (zip ??= import('./zip-writer.js'));
  const writer = new ZipWriter(new Uint8ArrayWriter(), { password: opts.unlockCode, encryptionStrength: 3, zipCrypto: false });
  await writer.add(opts.entryName, new TextReader(opts.privateKeyPem), { lastModDate: opts.modified });
  const bytes = await writer.close();
  return { filename: opts.filename, contentType: 'application/zip', data: toBase64(bytes) };
}
