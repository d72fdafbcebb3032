import { unprocessable } from "./http-error.js";

/**
 * Parameter parsing with FastAPI's 422 answers (pydantic v2 wording), so that clients
 * of the demo meet the same error shapes as with a real Python service.
 */

interface IntBounds {
  min?: number;
  max?: number;
}

/** An integer query parameter; an absent or empty one takes the default. */
export function getIntQuery(query: URLSearchParams, name: string, fallback: number, bounds: IntBounds = {}): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  return parseInteger(raw, ["query", name], bounds);
}

/** An integer path parameter (`/users/{user_id}`). */
export function getIntPath(raw: string, name: string): number {
  return parseInteger(raw, ["path", name], {});
}

/** A string query parameter limited to some values (a Python Enum). */
export function getEnumQuery<T extends string>(query: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  const value = allowed.find((candidate) => candidate === raw);
  if (value !== undefined) return value;
  const expected = allowed.map((candidate) => `'${candidate}'`);
  throw unprocessable({
    type: "enum",
    loc: ["query", name],
    msg: `Input should be ${expected.slice(0, -1).join(", ")} or ${expected.at(-1) ?? ""}`,
    input: raw,
    ctx: { expected: expected.join(", ") },
  });
}

/**
 * The `ids` of a batch call, in both usual spellings: `?ids=1,2,3` and `?ids=1&ids=2`.
 * Undefined when the parameter is absent.
 */
export function getIdList(query: URLSearchParams): string[] | undefined {
  const values = query.getAll("ids");
  if (values.length === 0) return undefined;
  return values
    .flatMap((value) => value.split(","))
    .map((id) => id.trim())
    .filter((id) => id !== "");
}

/** {@link getIdList} for integer ids. */
export function getIntIdList(query: URLSearchParams): number[] | undefined {
  return getIdList(query)?.map((id, index) => parseInteger(id, ["query", "ids", index], {}));
}

function parseInteger(raw: string, loc: (string | number)[], bounds: IntBounds): number {
  if (!/^[+-]?\d+$/.test(raw.trim())) {
    const msg = "Input should be a valid integer, unable to parse string as an integer";
    throw unprocessable({ type: "int_parsing", loc, msg, input: raw });
  }
  const value = Number.parseInt(raw, 10);
  const { min, max } = bounds;
  if (min !== undefined && value < min) {
    const msg = `Input should be greater than or equal to ${min}`;
    throw unprocessable({ type: "greater_than_equal", loc, msg, input: raw, ctx: { ge: min } });
  }
  if (max !== undefined && value > max) {
    const msg = `Input should be less than or equal to ${max}`;
    throw unprocessable({ type: "less_than_equal", loc, msg, input: raw, ctx: { le: max } });
  }
  return value;
}
