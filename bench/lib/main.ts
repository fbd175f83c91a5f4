/**
 * How a bench ends: exit 0 when it ran, 1 on a SetupError (the only failure a bench reports as one, with its
 * message) or anything unexpected (with its stack), the error's cause on a line of its own.
 */

/** A setup failure: the only case that makes a bench exit non-zero. */
export class SetupError extends Error {}

/** Runs `main` and ends the process: `name` (the npm script) prefixes the error line. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const e = err as Error;
      const cause = e?.cause ? `\ncause: ${String(e.cause)}` : '';
      process.stderr.write(`${name}: ${err instanceof SetupError ? e.message : e?.stack ?? String(err)}${cause}\n`);
      process.exit(1);
    },
  );
}
