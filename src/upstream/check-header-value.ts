/**
 * RFC 9110 §5.5: `field-value = *field-content`, built of `field-vchar` (VCHAR, and obs-text
 * 0x80–0xFF) with SP and HTAB between. What is outside: the control characters U+0000–U+0008,
 * U+000A–U+001F and U+007F (CR, LF and NUL among them), and anything above U+00FF, which has
 * no single octet to be sent as. undici refuses such a value only once the request is in its
 * pool, and in undici 7 that refusal leaks a connection slot (docs/undici-pool-leak.md): every
 * value is checked here first.
 */
const outsideFieldValue = /[^\t\x20-\x7e\x80-\xff]/u;
const surroundingWhitespace = /^[\t ]+|[\t ]+$/g;

/**
 * Where `value` leaves the field-value grammar, as `U+0001 at character 3` (the code point,
 * never the value itself: it may be a secret or an attack), or undefined when it may be sent.
 */
export function checkHeaderValue(value: string): string | undefined {
  const found = outsideFieldValue.exec(value);
  if (found === null) return undefined;
  const codePoint = found[0].codePointAt(0) ?? 0;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")} at character ${found.index + 1}`;
}

/** RFC 9110 §5.5: leading and trailing SP and HTAB are not part of a field value; they are dropped. */
export function trimHeaderValue(value: string): string {
  return value.replace(surroundingWhitespace, "");
}

/** The sentence every refusal shares: what is allowed in a header value. */
export const headerValueContract = "control characters and characters above U+00FF cannot be sent in an HTTP header";
