import { checkPathValue } from "../connector/check-path-value.js";

/**
 * A request target that passed every check. The raw segments are what is forwarded; the
 * decoded ones are only compared with route globs.
 */
export interface NormalizedTarget {
  /** Path segments after the leading "/", exactly as received (still percent-encoded). */
  raw: string[];
  /** The same segments, percent-decoded. */
  decoded: string[];
  /** The query string with its "?", exactly as received, or "". */
  search: string;
}

export type TargetCheck =
  { ok: true; target: NormalizedTarget } | { ok: false; kind: "invalid-request-target" | "uri-too-long"; detail: string };

/** RFC 9110 §4.1 asks for at least 8000 octets; the upstream path built from it has the same cap. */
export const maxTargetLength = 8000;

const visibleAscii = /^[\x21-\x7e]*$/;

/**
 * Checks a raw request target (Node's `req.url`, or the path and query of a fetch URL) before
 * any route is matched. It works on the bytes the client sent and never on WHATWG URL
 * parsing, which resolves `..` and `%2e%2e`, turns `\` into `/` and makes `//host` an
 * authority (research §0 items 2, 3 and 5). Refused, with 400: absolute-form, authority-form
 * and asterisk-form targets; scheme-relative `//…`; backslashes; empty segments (`a//b`);
 * a fragment; raw controls, spaces or non-ASCII; malformed percent-encoding (and overlong
 * UTF-8 such as `%C0%AE`); and every segment whose decoded value `checkPathValue` refuses
 * with separators refused — the rule `@rest` path variables follow too (S09): encoded
 * separators (`%2F`, `%5C`, `／`), encoded controls (`%00`), every dot-segment, raw or
 * encoded (`.`, `..`, `...`, `..%20`, `%2e`, `.%2E`, `..;jsessionid`, `．．`, `‥`) and
 * double-encoded dots (`%252e%252e`).
 * Refusing instead of resolving means no spelling of a path can reach outside the
 * upstream's base path: the path forwarded is the one that was checked.
 */
export function normalizePath(target: string): TargetCheck {
  if (target.length > maxTargetLength) {
    return {
      ok: false,
      kind: "uri-too-long",
      detail: `The request target is ${target.length} characters long; the limit is ${maxTargetLength}.`,
    };
  }
  if (!target.startsWith("/"))
    return invalid('only a path starting with "/" is accepted as the request target (no absolute-form, authority-form or "*")');
  if (target.startsWith("//")) return invalid('the request target may not start with "//"');
  if (!visibleAscii.test(target))
    return invalid("the request target holds characters that must be percent-encoded (controls, spaces or non-ASCII)");
  if (target.includes("#")) return invalid('the request target may not hold a fragment ("#")');
  const queryAt = target.indexOf("?");
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  if (path.includes("\\")) return invalid('the path may not hold "\\"');
  const raw = path.slice(1).split("/");
  const decoded: string[] = [];
  for (let index = 0; index < raw.length; index++) {
    const segment = raw[index]!;
    if (segment === "") {
      if (index < raw.length - 1) return invalid('the path may not hold empty segments ("//")');
      decoded.push(segment);
      continue;
    }
    let value = segment;
    if (segment.includes("%")) {
      try {
        value = decodeURIComponent(segment);
      } catch {
        return invalid("the path holds malformed percent-encoding");
      }
    }
    const refused = checkPathValue(value, "refused");
    if (refused !== undefined) return invalid(`the path segment ${JSON.stringify(segment)} holds ${refused}`);
    decoded.push(value);
  }
  return { ok: true, target: { raw, decoded, search: queryAt === -1 ? "" : target.slice(queryAt) } };
}

function invalid(reason: string): TargetCheck {
  return { ok: false, kind: "invalid-request-target", detail: `Invalid request target: ${reason}.` };
}
