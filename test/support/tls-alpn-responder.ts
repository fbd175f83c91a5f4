/**
 * A real TLS server on 127.0.0.1, OS-chosen port, for tls-alpn-01 tests (RFC 8737): it selects ALPN
 * "acme-tls/1" and, by SNI, presents a self-made certificate with the acmeIdentifier extension built with
 * @peculiar/x509. Certificates can be made wrong on purpose (digest, criticality, extra names).
 */
import { createServer, createSecureContext, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { x509 } from '../../src/core/x509.js';
import { toPem } from '../../src/core/pem.js';

export interface AcmeTlsCertOptions {
  /** Mark the acmeIdentifier extension critical (RFC 8737 requires it); true by default. */
  critical?: boolean;
  /** Use these 32 bytes instead of SHA-256(keyAuthorization). */
  digest?: Uint8Array;
  /** subjectAltName dNSNames; [domain] by default. */
  sans?: string[];
  /** Leave the acmeIdentifier extension out. */
  omitExtension?: boolean;
}

export interface TlsCert {
  certPem: string;
  keyPem: string;
  der: Uint8Array;
}

const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';

async function selfSigned(cn: string, extensions: x509.Extension[]): Promise<TlsCert> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions,
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: toPem('PRIVATE KEY', pkcs8), der: new Uint8Array(cert.rawData) };
}

/** An RFC 8737 challenge certificate for `domain` and `keyAuthorization` (or a deliberately broken one). */
export async function makeAcmeTlsCertificate(
  domain: string,
  keyAuthorization: string,
  opts: AcmeTlsCertOptions = {},
): Promise<TlsCert> {
  const digest = opts.digest ?? new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(keyAuthorization)));
  const octetString = new Uint8Array([0x04, digest.length, ...digest]);
  const extensions: x509.Extension[] = [
    new x509.SubjectAlternativeNameExtension((opts.sans ?? [domain]).map((value) => ({ type: 'dns' as const, value }))),
  ];
  if (!opts.omitExtension) extensions.push(new x509.Extension(ACME_IDENTIFIER_OID, opts.critical ?? true, octetString));
  return selfSigned(domain, extensions);
}

/** An ordinary self-signed certificate (for the HTTPS leg of http-01 redirect tests). */
export function makeServerCertificate(domain: string): Promise<TlsCert> {
  return selfSigned(domain, [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: domain }])]);
}

export class TlsAlpnResponder {
  /** Server names clients asked for (SNI), in order. */
  readonly sniSeen: string[] = [];
  private readonly certs = new Map<string, TlsCert>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** `alpnProtocols` lets a test stand up a server that does not speak acme-tls/1. */
  static async start(opts: { alpnProtocols?: string[] } = {}): Promise<TlsAlpnResponder> {
    let self: TlsAlpnResponder | undefined;
    const server = createServer({
      ALPNProtocols: opts.alpnProtocols ?? ['acme-tls/1'],
      SNICallback: (servername, cb) => {
        self!.sniSeen.push(servername);
        const cert = self!.certs.get(servername.toLowerCase());
        if (!cert) return cb(new Error(`no certificate for ${servername}`));
        cb(null, createSecureContext({ cert: cert.certPem, key: cert.keyPem }));
      },
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      socket.on('error', () => {});
      socket.end();
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new TlsAlpnResponder(server, (server.address() as AddressInfo).port);
    return self;
  }

  setCertificate(domain: string, cert: TlsCert): this {
    this.certs.set(domain.toLowerCase(), cert);
    return this;
  }

  /** Present a (by default correct) challenge certificate for `domain`. */
  async setChallenge(domain: string, keyAuthorization: string, opts: AcmeTlsCertOptions = {}): Promise<this> {
    return this.setCertificate(domain, await makeAcmeTlsCertificate(domain, keyAuthorization, opts));
  }

  remove(domain: string): this {
    this.certs.delete(domain.toLowerCase());
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
