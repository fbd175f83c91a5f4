/** What the service logs through: one JSON line per event on Node, console on Workers. Never secrets. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}
