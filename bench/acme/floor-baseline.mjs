/**
 * The baseline of bench:acme:floor (floor.ts): a Node HTTPS server that does no work beyond HTTP itself. It
 * reads each request's body and answers a fixed JSON body with a fresh Replay-Nonce, as an ACME server's
 * answer looks on the wire, without checking a signature or reading a database. floor.ts starts it with the
 * node flags and environment of package.json's "start", so that it differs from eabgate only in what
 * eabgate does per request. FLOOR_CERT, FLOOR_KEY: its TLS certificate and key (PEM files); FLOOR_PORT.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const port = Number(process.env.FLOOR_PORT);
const base = `https://127.0.0.1:${port}`;
// About the size of eabgate's directory and of an account object.
const directory = JSON.stringify({
  newNonce: `${base}/new-nonce`,
  newAccount: `${base}/new-account`,
  newOrder: `${base}/new-order`,
  revokeCert: `${base}/revoke-cert`,
  keyChange: `${base}/key-change`,
  meta: { website: base, caaIdentities: ['eabgate.test'], externalAccountRequired: true },
});
const account = JSON.stringify({ status: 'valid', contact: [], orders: `${base}/acct/1/orders`, createdAt: new Date(0).toISOString() });

const server = createServer({ cert: readFileSync(process.env.FLOOR_CERT), key: readFileSync(process.env.FLOOR_KEY) }, (req, res) => {
  req.resume();
  req.on('end', () => {
    const body = req.method === 'POST' ? account : directory;
    res.writeHead(200, {
      'content-type': 'application/json',
      'replay-nonce': randomBytes(24).toString('base64url'),
      'cache-control': 'no-store',
      link: `<${base}/directory>;rel="index"`,
    });
    res.end(body);
  });
});
// Idle keep-alive connections stay open while the other servers take their turn, as eabgate's do (65 s).
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
