/**
 * The CRL at /ca/crl. Anyone may fetch it, often: signing a new one (and taking a new CRL number, a write) on
 * every request would let any client drive database writes. This instance keeps the CRL it signed and signs
 * again only when the set of revoked certificates changed or half the CRL's lifetime has passed.
 */
import type { Clock } from '../core/clock.js';
import type { Store } from '../core/store/types.js';
import type { EmbeddedCa } from '../ca/embedded.js';
import type { RevocationReason } from '../ca/revocation.js';
import type { SignedCrl } from '../ca/crl.js';
import { CA_ROW_ID } from './embedded-ca.js';

export class CrlPublisher {
  private current: { crl: SignedCrl; revokedSet: string } | undefined;

  constructor(private readonly deps: { store: Store; clock: Clock; ca: EmbeddedCa }) {}

  async der(): Promise<Uint8Array<ArrayBuffer>> {
    const revoked = await this.deps.store.certificates.revoked();
    const revokedSet = revoked.map((r) => `${r.serialHex}:${r.revocationReason ?? ''}`).join(',');
    const now = this.deps.clock.now().getTime();
    const cached = this.current;
    const fresh =
      cached &&
      cached.revokedSet === revokedSet &&
      now < (cached.crl.thisUpdate.getTime() + cached.crl.nextUpdate.getTime()) / 2 &&
      now >= cached.crl.thisUpdate.getTime();
    if (fresh) return cached.crl.der;
    const crl = await this.deps.ca.crl(
      revoked.map((r) => ({ serialHex: r.serialHex, revokedAt: r.revokedAt!, reason: (r.revocationReason ?? undefined) as RevocationReason | undefined })),
      await this.deps.store.caMaterial.nextCrlNumber(CA_ROW_ID),
    );
    this.current = { crl, revokedSet };
    return crl.der;
  }
}
