/**
 * Makes an upstream's error details fit to show a client: at most 16 KiB of JSON, 8 levels
 * deep, strings of at most 1000 characters, no `__proto__`/`constructor`/`prototype` keys, no
 * upstream addresses (see {@link isAddressLike}) and no header value the call sent. What does
 * not fit is cut, never refused: a list or object keeps its first items or members that fit, a
 * deeper value or a longer string is cut, and `truncated` says so (the client sees
 * `extensions.detailsTruncated: true`).
 */

export const maxDetailsBytes = 16 * 1024;
const maxDepth = 8;
const maxStringLength = 1000;
const maxKeyLength = 200;
/** What a string that holds an upstream address becomes. */
export const addressRemoved = "[address removed]";
/** What a string that holds a header value sent upstream (a token, a key) becomes. */
export const headerValueRemoved = "[header value removed]";

/** What may not be shown: the upstream's own host name (lower case), and the values of the headers the call sent. */
export interface RedactionRules {
  upstreamHost: string;
  /** Header values (and their long parts) sent upstream; see {@link secretsOf}. */
  secrets: readonly string[];
}

/** Keys that a client merging the details into an object could turn into prototype pollution. */
const unsafeKeys = new Set(["__proto__", "constructor", "prototype"]);

export interface SanitizedDetails {
  value: unknown;
  truncated: boolean;
}

export function sanitizeDetails(value: unknown, rules: RedactionRules): SanitizedDetails {
  const state = { truncated: false, rules };
  const fitted = fit(value, 0, maxDetailsBytes, state);
  if (fitted === undefined) return { value: null, truncated: true };
  return { value: fitted.value, truncated: state.truncated };
}

/** A string as it may be shown: cut to its length cap, or a marker in its place. */
export function sanitizeString(text: string, rules: RedactionRules, maxLength = maxStringLength): { text: string; cut: boolean } {
  const removed = redaction(text, rules);
  if (removed !== undefined) return { text: removed, cut: false };
  if (text.length <= maxLength) return { text, cut: false };
  return { text: `${text.slice(0, maxLength)}…`, cut: true };
}

interface State {
  truncated: boolean;
  rules: RedactionRules;
}

/** The marker a string is replaced with, or undefined when it may be shown. */
function redaction(text: string, rules: RedactionRules): string | undefined {
  if (rules.secrets.some((secret) => text.includes(secret))) return headerValueRemoved;
  return isAddressLike(text, rules.upstreamHost) ? addressRemoved : undefined;
}

/** Headers that carry nothing about the caller or the upstream's credentials. */
const plainHeaders = new Set(["accept", "accept-language", "content-type", "traceparent", "tracestate", "baggage", "x-request-id"]);
const minSecretLength = 8;

/**
 * The values a failed answer may not echo back: every header value sent (but plain ones such
 * as accept), and each part of it of 8 characters or more (the token of "Bearer <token>", a
 * cookie's value), so that an upstream that repeats a credential in its error never shows it.
 */
export function secretsOf(headers: Readonly<Record<string, string>>): string[] {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (plainHeaders.has(name)) continue;
    for (const part of [value, ...value.split(/[\s,;=]+/)]) if (part.length >= minSecretLength) secrets.add(part);
  }
  return [...secrets];
}

/** The value within `budget` bytes of JSON, with its size; undefined when not even its smallest form fits. */
function fit(value: unknown, depth: number, budget: number, state: State): { value: unknown; size: number } | undefined {
  if (value === null || typeof value === "boolean" || typeof value === "number") {
    const size = JSON.stringify(value).length;
    return size <= budget ? { value, size } : undefined;
  }
  if (typeof value === "string") {
    const { text, cut } = sanitizeString(value, state.rules);
    if (cut) state.truncated = true;
    const size = Buffer.byteLength(JSON.stringify(text));
    return size <= budget ? { value: text, size } : undefined;
  }
  if (typeof value !== "object" || depth >= maxDepth || budget < 2) return undefined;
  return Array.isArray(value) ? fitList(value, depth, budget, state) : fitObject(value as Record<string, unknown>, depth, budget, state);
}

function fitList(list: readonly unknown[], depth: number, budget: number, state: State) {
  const out: unknown[] = [];
  let size = 2;
  for (const item of list) {
    const comma = out.length > 0 ? 1 : 0;
    const fitted = fit(item, depth + 1, budget - size - comma, state);
    if (fitted === undefined) {
      state.truncated = true;
      break;
    }
    out.push(fitted.value);
    size += comma + fitted.size;
  }
  return { value: out, size };
}

function fitObject(object: Record<string, unknown>, depth: number, budget: number, state: State) {
  const out: Record<string, unknown> = {};
  let size = 2;
  let members = 0;
  for (const key of Object.keys(object)) {
    if (unsafeKeys.has(key) || key.length > maxKeyLength || redaction(key, state.rules) !== undefined) {
      state.truncated ||= key.length > maxKeyLength;
      continue;
    }
    const head = (members > 0 ? 1 : 0) + Buffer.byteLength(JSON.stringify(key)) + 1;
    const fitted = fit(object[key], depth + 1, budget - size - head, state);
    if (fitted === undefined) {
      state.truncated = true;
      break;
    }
    out[key] = fitted.value;
    size += head + fitted.size;
    members++;
  }
  return { value: out, size };
}

const urlPattern = /\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s/?#@]*@)?(\[[0-9a-f:.]+\]|[^\s/?#:'"<>\\)\]]+)/gi;
const ipv4Pattern = /(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])/g;
const hostPortPattern = /(?<![\w.-])([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*):\d{2,5}\b/g;
const dottedNamePattern = /(?<![\w.-])((?:[a-z0-9-]+\.)+[a-z0-9-]+)(?![\w-])/gi;
const internalSuffixes = [".local", ".localhost", ".internal", ".lan", ".home.arpa", ".svc", ".corp", ".intranet"];

/**
 * The rule, kept simple enough to explain: a string is an upstream address when it holds
 * the upstream's own host name (as a word, when it has a dot; with a port or in a URL, when
 * it is one label like `ml`), a URL or a lower-case `name:port` whose host is not public
 * (localhost, loopback, private and link-local IPs, one-label names, names under .local,
 * .internal, .svc and the like), and a private IP address or a name under those suffixes on
 * its own.
 */
export function isAddressLike(text: string, upstreamHost: string): boolean {
  if (upstreamHost !== "" && holdsHost(text, upstreamHost)) return true;
  for (const match of text.matchAll(urlPattern)) if (isPrivateHost(match[1]!, upstreamHost)) return true;
  for (const match of text.matchAll(hostPortPattern)) if (isPrivateHost(match[1]!, upstreamHost)) return true;
  for (const match of text.matchAll(ipv4Pattern)) if (isPrivateIpv4(match[1]!)) return true;
  for (const match of text.matchAll(dottedNamePattern)) if (hasInternalSuffix(match[1]!.toLowerCase())) return true;
  return false;
}

function holdsHost(text: string, host: string): boolean {
  const lower = text.toLowerCase();
  for (let at = lower.indexOf(host); at >= 0; at = lower.indexOf(host, at + 1)) {
    const end = at + host.length;
    if (/[a-z0-9-]/.test(lower[at - 1] ?? "") || /[a-z0-9-]/.test(lower[end] ?? "")) continue;
    // A one-label name ("ml", "api") is a common word: only with a port or after "//" is it the host.
    if (host.includes(".") || host.includes(":") || /^:\d/.test(lower.slice(end, end + 2)) || lower.slice(at - 2, at) === "//") return true;
  }
  return false;
}

function isPrivateHost(raw: string, upstreamHost: string): boolean {
  const host = raw
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (host === upstreamHost) return true;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) return isPrivateIpv4(host);
  if (host.includes(":")) return isPrivateIpv6(host);
  if (host === "localhost" || !host.includes(".")) return true;
  return hasInternalSuffix(host);
}

function hasInternalSuffix(host: string): boolean {
  return internalSuffixes.some((suffix) => host.endsWith(suffix));
}

function isPrivateIpv4(address: string): boolean {
  const [a = 0, b = 0] = address.split(".").map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b < 128) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && b === 168)
  );
}

function isPrivateIpv6(address: string): boolean {
  if (address === "::1" || address === "::") return true;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) return isPrivateIpv4(mapped[1]!);
  return /^f[cd][0-9a-f]{0,2}:/.test(address) || /^fe[89ab][0-9a-f]?:/.test(address);
}
