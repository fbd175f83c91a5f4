/** The ACME request authentication pipeline: content type → parse → key → signature → url → nonce. */
export { checkJoseContentType, JOSE_CONTENT_TYPE } from './content-type.js';
export { decodeFlattenedJws, type FlattenedJws } from './flattened.js';
export {
  ACCOUNT_KEY_ALGORITHMS,
  algorithmForKey,
  checkPublicJwk,
  type AccountKeyAlgorithm,
  type PublicJwk,
} from './keys.js';
export {
  parseAcmeJws,
  parseAcmeJwsValue,
  type AcmeProtectedHeader,
  type KeyReference,
  type ParseOptions,
  type ParsedAcmeJws,
} from './parse.js';
export {
  verifyAcmeRequest,
  verifyParsedJws,
  type AccountKeyResolver,
  type AcmeRequest,
  type AcmeRequestDeps,
  type KeyPolicy,
  type NonceStore,
  type VerifiedAcmeJws,
  type VerifyContext,
} from './verify.js';
