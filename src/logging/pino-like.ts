/** One log method of a pino-compatible logger: a merging object first, then the message. */
export type LogMethod = (object: Record<string, unknown>, message?: string) => void;

/**
 * What Trestle needs of a logger: pino's shape (`info(obj, msg)`, `warn`, `error`, optionally
 * `debug` and `child`). A pino instance is one; so is any object with these methods.
 */
export interface PinoLike {
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  debug?: LogMethod;
  child?(bindings: Record<string, unknown>): PinoLike;
  /** pino's level: at `silent` Trestle makes no request lines at all (nothing built to be dropped). */
  level?: string;
}
