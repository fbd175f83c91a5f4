/**
 * Shared bits of the campaigns (fuzz.ts, crash.ts): environment knobs, process figures from /proc, a
 * seeded random source with pickers, counters, and the ES256 JWS signing the fuzzer does by hand.
 */
import { prng } from '../../test/support/ra.js';
import { envInt, statusMb } from '../../bench/lib/proc.js';

export { envInt };

/** Resident set size of a process in MiB, to 0.1 (VmRSS, or VmHWM for the peak), NaN when it is gone. */
export function rssMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  return Math.round(statusMb(pid, field) * 10) / 10;
}

export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A seeded random source (mulberry32 from test/support/ra.ts) with the pickers the generators need. */
export class Rand {
  readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = prng(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** Picks by weight: [[weight, value], …]. */
  weighted<T>(xs: readonly (readonly [number, T])[]): T {
    const total = xs.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of xs) if ((r -= w) < 0) return v;
    return xs[xs.length - 1]![1];
  }
  bytes(n: number): Uint8Array<ArrayBuffer> {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256);
    return b;
  }
  alnum(n: number): string {
    const a = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += a[Math.floor(this.next() * a.length)];
    return s;
  }
}

export const b64u = (b: Uint8Array | string): string => Buffer.from(typeof b === 'string' ? Buffer.from(b, 'utf8') : b).toString('base64url');
export const b64uJson = (v: unknown): string => b64u(JSON.stringify(v));

/** A compact ES256 JWS (flattened JSON) signed with WebCrypto: header and payload exactly as given. */
export async function signEs256(privateKey: CryptoKey, protectedB64: string, payloadB64: string): Promise<string> {
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, Buffer.from(`${protectedB64}.${payloadB64}`, 'ascii')),
  );
  return b64u(sig);
}

export async function hmacSha256(key: Uint8Array<ArrayBuffer>, data: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return b64u(new Uint8Array(await crypto.subtle.sign('HMAC', k, Buffer.from(data, 'ascii'))));
}

export interface EcKey {
  privateKey: CryptoKey;
  jwk: { kty: string; crv: string; x: string; y: string };
}

export async function ecKey(): Promise<EcKey> {
  const kp = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const j = await crypto.subtle.exportKey('jwk', kp.publicKey);
  return { privateKey: kp.privateKey, jwk: { kty: 'EC', crv: 'P-256', x: j.x!, y: j.y! } };
}

/** Counts by key, printed sorted. */
export class Tally {
  readonly m = new Map<string, number>();
  add(k: string | number, n = 1): void {
    const key = String(k);
    this.m.set(key, (this.m.get(key) ?? 0) + n);
  }
  get(k: string): number {
    return this.m.get(k) ?? 0;
  }
  total(): number {
    let t = 0;
    for (const v of this.m.values()) t += v;
    return t;
  }
  obj(): Record<string, number> {
    return Object.fromEntries([...this.m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }
}

export const truncate = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
