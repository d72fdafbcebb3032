/**
 * How "/" and "\" inside a value are treated: `"encoded"` for an `@rest` path variable, which
 * is percent-encoded as one segment (`a/b` is sent as `a%2Fb`); `"refused"` for a passthrough
 * segment, whose decoded form is matched against the route globs.
 */
export type SeparatorRule = "encoded" | "refused";

const control = /[\u0000-\u001f\u007f]/;
const nonAscii = /[^\x00-\x7f]/;
const separator = /[/\\]/;
/** A dot-segment in any spelling a server resolves: `.`, `..`, `...`, `.. ` (Windows trims trailing dots and spaces). */
const dotsOnly = /^\s*\.[.\s]*$/;
/** A dot or separator still percent-encoded after one decoding (`%2e`, `%252e`, `%2F`, `%5c`). */
const encodedAgain = /%(?:25)*(?:2e|2f|5c)/i;

/**
 * The one rule for a decoded path value, shared by `@rest` path variables and passthrough
 * segments (S09): returns why the value is refused, or undefined when it may be sent. Refused:
 * an empty value; control characters; a dot-segment in any spelling — `.`, `..`, `...`, dots
 * with trailing spaces (`..%20`), with path parameters (`..;x`, which servlet containers
 * resolve as `..`), and compatibility forms that NFKC folds to dots (`．．` U+FF0E, `‥`
 * U+2025); a dot or separator that is still percent-encoded after decoding (`%252e%252e`),
 * which an upstream decoding twice would resolve. With `"encoded"` separators a value may hold
 * `/` or `\` (sent as `%2F`, `%5C`), but none of the pieces between them may be a
 * dot-segment (`../admin`), since some servers decode `%2F` before resolving the path; with
 * `"refused"`, any separator (also NFKC-folded, `／`) is refused. Unicode names (`模型`,
 * `café`) are fine.
 */
export function checkPathValue(value: string, separators: SeparatorRule): string | undefined {
  if (value === "") return "an empty value";
  if (control.test(value)) return "control characters";
  const folded = nonAscii.test(value) ? value.normalize("NFKC") : value;
  if (separators === "refused" && separator.test(folded)) return 'a "/" or "\\" (also percent-encoded or full-width)';
  if (folded.split(/[/\\]/).some(isDotSegment))
    return 'a "." or ".." segment (in any spelling: "...", ".. ", "..;x", full-width or two-dot leader)';
  if (encodedAgain.test(folded)) return "a dot or separator percent-encoded twice";
  return undefined;
}

function isDotSegment(piece: string): boolean {
  return dotsOnly.test(piece.split(";", 1)[0]!);
}
