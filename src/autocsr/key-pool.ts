/**
 * A warm pool of AutoCSR key pairs. RSA-2048 generation takes 70–1000 ms; a customer who orders without a
 * CSR should not wait for it. The pool holds at most `size` fresh key pairs in memory only (never stored,
 * never logged), hands each out exactly once, and refills in the background after every take. Generation
 * runs on the runtime's crypto worker pool (WebCrypto), off the event loop. When the pool runs dry, a take
 * generates its key at once, as without a pool.
 *
 * The background refill makes one key pair at a time: on a small machine, two generations at once took
 * both cores from the orders being served (warm orders waited for the CPU although their key was ready),
 * while one leaves a core to the event loop and still refills a pool of 8 in about a second.
 */

/** Key pairs generated at once by the background refill (a take on a dry pool generates its own). */
const REFILL_CONCURRENCY = 1;

export interface KeyPoolStats {
  size: number;
  ready: number;
  refilling: number;
  /** Takes served from the pool, and those that had to generate. */
  hits: number;
  misses: number;
}

export class KeyPool {
  private readonly ready: CryptoKeyPair[] = [];
  private refilling = 0;
  private hits = 0;
  private misses = 0;
  private started = false;
  private stopped = false;

  constructor(
    private readonly size: number,
    private readonly generate: () => Promise<CryptoKeyPair>,
  ) {}

  /** Starts filling the pool and keeping it full (no-op for size 0); until then every take generates. */
  start(): void {
    this.started = true;
    this.refill();
  }

  /** A key pair nobody else gets: from the pool when one is ready, else generated now. */
  async take(): Promise<CryptoKeyPair> {
    const keys = this.ready.pop();
    if (keys) this.hits++;
    else this.misses++;
    this.refill();
    return keys ?? this.generate();
  }

  /** Drops every pooled key and stops refilling (shutdown). */
  stop(): void {
    this.stopped = true;
    this.ready.length = 0;
  }

  get stats(): KeyPoolStats {
    return { size: this.size, ready: this.ready.length, refilling: this.refilling, hits: this.hits, misses: this.misses };
  }

  private refill(): void {
    while (this.started && !this.stopped && this.refilling < REFILL_CONCURRENCY && this.ready.length + this.refilling < this.size) {
      this.refilling++;
      this.generate()
        .then(
          (k) => {
            if (!this.stopped && this.ready.length < this.size) this.ready.push(k);
            return true;
          },
          () => false, // the next take generates its own key, and refilling resumes after it
        )
        .then((ok) => {
          this.refilling--;
          if (ok) this.refill();
        });
    }
  }
}
