/**
 * Which `@constraint(pattern:)` Trestle runs on client values. JavaScript's regular expressions
 * backtrack, so some patterns take exponential time on a crafted value (ReDoS). Trestle keeps to
 * a safe subset, decided from the pattern's text once at schema build:
 *
 * - at most {@link maxPatternLength} characters;
 * - no backreferences (`\1`, `\k<name>`);
 * - no repeated group that holds a quantifier or an alternation (`(a+)+`, `(\w+\s?)*`, `(a|ab)*`):
 *   the shape behind every exponential case. It also refuses some harmless patterns
 *   (`^[a-z]+(\.[a-z]+)*$`); a group repeated at most once (`(-\d+)?`) is allowed.
 *
 * What is left can still be polynomial (`\d+\d+`), so values are matched only up to
 * {@link maxPatternInput} characters: a longer value is refused before the pattern runs.
 */

export const maxPatternLength = 1000;
export const maxPatternInput = 1000;

interface Frame {
  quantified: boolean;
  alternation: boolean;
}

/** Why `source` is outside the safe subset, or undefined when it is inside. */
export function findPatternRisk(source: string): string | undefined {
  const frames: Frame[] = [{ quantified: false, alternation: false }];
  /** The atom a following quantifier applies to: a group (with what it holds) or a single item. */
  let last: Frame | "item" | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    const frame = frames.at(-1)!;
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next) || (next === "k" && source[i + 2] === "<")) return "a backreference";
      i += /[pPu]/.test(next) && source[i + 2] === "{" ? source.indexOf("}", i) - i : 1;
      last = "item";
    } else if (c === "[") {
      i = endOfClass(source, i);
      last = "item";
    } else if (c === "(") {
      frames.push({ quantified: false, alternation: false });
      // (?:…), (?=…), (?!…), (?<=…), (?<!…), (?<name>…): the prefix is no quantifier.
      if (source[i + 1] === "?") i += /^\(\?<[^=!]/.test(source.slice(i)) ? source.indexOf(">", i) - i : source[i + 2] === "<" ? 3 : 2;
      last = undefined;
    } else if (c === ")") {
      const closed = frames.length > 1 ? frames.pop()! : frame;
      const parent = frames.at(-1)!;
      parent.quantified ||= closed.quantified;
      parent.alternation ||= closed.alternation;
      last = closed;
    } else if (c === "|") {
      frame.alternation = true;
      last = undefined;
    } else if (c === "*" || c === "+" || c === "?" || (c === "{" && /^\{\d+(,\d*)?\}/.test(source.slice(i)))) {
      const end = c === "{" ? source.indexOf("}", i) : i;
      const repeats = c === "*" || c === "+" || (c === "{" && bracesRepeat(source.slice(i, end + 1)));
      if (repeats && typeof last === "object" && (last.quantified || last.alternation))
        return `a repeated group holding ${last.quantified ? "a quantifier" : "an alternation"}`;
      frame.quantified = true;
      i = source[end + 1] === "?" ? end + 1 : end; // a lazy quantifier
      last = undefined;
    } else {
      last = "item";
    }
  }
  return undefined;
}

/** `{n}`, `{n,}`, `{n,m}`: whether the item may come more than once (`{2}`, `{0,}`, `{1,}`, `{0,5}` may; `{1}`, `{0,1}` not). */
function bracesRepeat(braces: string): boolean {
  const [, least, comma, most] = /^\{(\d+)(,?)(\d*)\}$/.exec(braces)!;
  const upper = comma === "" ? Number(least) : most === "" ? Infinity : Number(most);
  return upper > 1;
}

function endOfClass(source: string, start: number): number {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === "\\") i++;
    else if (source[i] === "]") return i;
  }
  return source.length;
}
