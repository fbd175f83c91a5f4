/**
 * HTTPS for the Node server: certificate and key from files (EABGATE_TLS_CERT / EABGATE_TLS_KEY), or
 * EABGATE_TLS=auto, where the embedded CA issues the gateway's own certificate at every start for the base
 * URL's host name (and localhost). That key lives only in this process's memory; the root that clients
 * trust is at <data dir>/ca/root.pem.
 */
import { readFileSync } from 'node:fs';
import { loadX509, x509 } from '../../core/x509-lazy.js';
import { toPem } from '../../core/pem.js';
import { isIpLiteral } from '../../core/ip.js';
import { nameSyntaxFault } from '../../core/hostname.js';
import type { Config } from '../../core/config.js';
import type { EmbeddedCa } from '../../ca/embedded.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  names: string[];
}

export async function autoTls(config: Config, ca: EmbeddedCa): Promise<TlsMaterial> {
  const host = new URL(config.baseUrl).hostname.toLowerCase();
  const names = [...new Set([host, 'localhost'].filter((n) => !isIpLiteral(n) && nameSyntaxFault(n, { singleLabel: true }) === undefined))];
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  await loadX509();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [names[0]!] }],
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value })))],
  });
  const issued = await ca.submit({ orderId: 'gateway-tls', product: 'dv', domains: names, csrPem: csr.toString('pem'), internalNames: true });
  if (issued.state !== "issued") throw new Error(`EABGATE_TLS=auto: the embedded CA did not issue the gateway certificate: ${issued.state === "failed" ? issued.reason : "pending"}`);
  const key = toPem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { cert: issued.certificatePem + issued.chainPem, key, names };
}

export async function tlsMaterial(config: Config, ca: EmbeddedCa): Promise<TlsMaterial | undefined> {
  if (config.tls.mode === 'off') return undefined;
  if (config.tls.mode === 'auto') return autoTls(config, ca);
  const read = (file: string, variable: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new Error(`${variable}: cannot read ${file}`);
    }
  };
  return { cert: read(config.tls.certFile, 'EABGATE_TLS_CERT'), key: read(config.tls.keyFile, 'EABGATE_TLS_KEY'), names: [] };
}
