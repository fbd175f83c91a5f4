/**
 * The embedded CA as an Issuer: it signs at once with the loaded intermediate, so submit() is always
 * "issued" or "failed" and there is never a handle to poll. It keeps no state: revocations live in the
 * caller's store, which hands them to crl() to publish.
 */
import type { Clock } from '../core/clock.js';
import { Problem } from '../core/problem.js';
import { DomainError } from '../core/errors.js';
import { signCrl, type RevokedEntry, type SignedCrl } from './crl.js';
import type { LoadedCa } from './hierarchy.js';
import type { IssueRequest, IssueResult, Issuer } from './issuer.js';
import { signLeaf, type CaUrls } from './leaf.js';
import { allowedValidityDays } from './validity.js';

export interface EmbeddedCaOptions {
  ca: LoadedCa;
  clock: Clock;
  urls: CaUrls;
  /** The configured maximum validity in days, applied when lower than the Baseline Requirements cap. */
  maxValidityDays?: number;
  /** CRL lifetime in seconds (at most ten days). */
  crlLifetimeSeconds?: number;
}

export class EmbeddedCa implements Issuer {
  constructor(private readonly opts: EmbeddedCaOptions) {
    if (opts.maxValidityDays !== undefined) allowedValidityDays(opts.clock.now(), opts.maxValidityDays);
  }

  /** The intermediate (PEM): the chain of every certificate this CA issues. */
  get chainPem(): string {
    return this.opts.ca.intermediatePem;
  }

  get rootPem(): string {
    return this.opts.ca.rootPem;
  }

  async submit(request: IssueRequest): Promise<IssueResult> {
    try {
      const leaf = await signLeaf(
        { ca: this.opts.ca, clock: this.opts.clock, urls: this.opts.urls, caMaxDays: this.opts.maxValidityDays },
        {
          csrPem: request.csrPem,
          domains: request.domains,
          ipAddresses: request.ipAddresses,
          product: request.product,
          organization: request.organization,
          requestedDays: request.validityDays,
          internalNames: request.internalNames,
        },
      );
      return {
        state: 'issued',
        certificatePem: leaf.pem,
        chainPem: this.chainPem,
        serialHex: leaf.serialHex,
        notBefore: leaf.notBefore,
        notAfter: leaf.notAfter,
        issuer: this.opts.ca.intermediateSubjectText,
      };
    } catch (err) {
      // A refusal of the request (its key, names or organization) is the CA's answer, not a fault.
      if (err instanceof Problem || err instanceof DomainError) return { state: 'failed', reason: err.detail };
      throw err;
    }
  }

  async poll(handle: string): Promise<IssueResult> {
    return { state: 'failed', reason: `the embedded CA issues at once and has no pending request "${handle}"` };
  }

  /** The CRL of the intermediate, listing what the caller's store records as revoked. */
  crl(entries: RevokedEntry[], crlNumber: bigint | number): Promise<SignedCrl> {
    return signCrl({
      ca: this.opts.ca,
      clock: this.opts.clock,
      entries,
      crlNumber,
      lifetimeSeconds: this.opts.crlLifetimeSeconds,
    });
  }
}
