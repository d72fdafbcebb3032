import { hostname } from "node:os";

/**
 * Writes one log line in pino's form, its fields already JSON (`,"name":value` each), at a pino
 * level number (30 info, 40 warn, 50 error): `{"level":30,"time":…,"pid":…,"hostname":…,…,"msg":…}`.
 */
export type LineWriter = (level: number, fields: string, message: string) => void;

/** What a line writer reads of its logger: the level enabled now (pino's `levelVal`; Infinity when silent). */
export interface LevelSource {
  readonly levelVal: number;
}

const writers = new WeakMap<object, LineWriter>();

/**
 * The lines of a pino logger made with default options (pino's `{ pid, hostname }` bindings,
 * epoch `time`, `msg`), written without pino's general path: for the one line per request,
 * whose fields are names, numbers and codes. Attached to its logger (see {@link lineWriterOf}).
 */
export function attachLineWriter(logger: LevelSource, write: (line: string) => void): void {
  const bindings = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  /** Message → the line's end, made once per message. */
  const ends = new Map<string, string>();
  writers.set(logger, (level, fields, message) => {
    if (level < logger.levelVal) return;
    let end = ends.get(message);
    if (end === undefined) ends.set(message, (end = `,"msg":${JSON.stringify(message)}}\n`));
    write(`{"level":${level},"time":${Date.now()}${bindings}${fields}${end}`);
  });
}

/** The line writer of a logger `trestle serve` made; undefined for any other (its own methods write its lines). */
export function lineWriterOf(logger: object): LineWriter | undefined {
  return writers.get(logger);
}

/** Printable ASCII but `"` and `\\`: JSON as it is, between quotes (names, methods, codes, ids). */
const plain = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * An object's fields as pino writes them after its bindings: `,"key":value` each, undefined
 * values left out, numbers that are not finite as null, strings and objects as JSON.
 */
export function jsonFields(fields: Readonly<Record<string, unknown>>): string {
  let text = "";
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    const json =
      typeof value === "number"
        ? Number.isFinite(value)
          ? String(value)
          : "null"
        : typeof value === "string" && plain.test(value)
          ? `"${value}"`
          : JSON.stringify(value);
    // The keys are the line's own field names (plain words): quoted as they are.
    text += `,"${key}":${json}`;
  }
  return text;
}
