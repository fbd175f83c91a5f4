/**
 * A module loaded by dynamic import() on first need instead of at start, and only once: concurrent callers
 * share one load, and a load that failed is tried again by the next caller. Synchronous code reads
 * `current` after an asynchronous caller on its way has awaited `load()` (src/core/x509-lazy.ts, psl.ts).
 */
export interface LazyModule<T> {
  load(): Promise<T>;
  /** The module once load() has resolved; undefined before. */
  readonly current: T | undefined;
  /** Tests only: back to not loaded. */
  forget(): void;
}

export function lazyModule<T>(importer: () => Promise<T>): LazyModule<T> {
  let current: T | undefined;
  let loading: Promise<T> | undefined;
  return {
    load() {
      if (current !== undefined) return Promise.resolve(current);
      loading ??= importer().then(
        (m) => (current = m),
        (err: unknown) => {
          loading = undefined;
          throw err;
        },
      );
      return loading;
    },
    get current() {
      return current;
    },
    forget() {
      current = undefined;
      loading = undefined;
    },
  };
}
