/**
 * The one place that loads @peculiar/x509: it needs reflect-metadata first, and its crypto provider set to
 * the platform's WebCrypto (Node and workerd alike).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(crypto);

export { x509 };
