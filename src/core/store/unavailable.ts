/**
 * The database cannot be reached (down, restarting, refusing connections): the request changed nothing
 * (every write is one statement, so none was half applied) and may be sent again later. Storage adapters
 * throw it in place of their driver's connection errors; the edges answer 503 with Retry-After.
 */
export class StoreUnavailable extends Error {
  /** How long clients are told to wait before trying again. */
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds = 5) {
    super('The database is unavailable.');
    this.name = 'StoreUnavailable';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
