import type { UpstreamPlan } from "../plan/schema-plan.js";

/**
 * The origin-relative target (`/base/items?page=2`) of an answer's RFC 8288 `Link: <…>; rel="next"`,
 * resolved against the URL that was fetched. Undefined when there is none, or when it leaves the
 * upstream (another origin, or outside its base path): paging ends there, as every URL Trestle
 * sends must keep the upstream's origin and base path.
 */
export function readLinkNext(header: string | undefined, upstream: UpstreamPlan, fetched: string): string | undefined {
  if (header === undefined) return undefined;
  for (const link of splitLinks(header)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(link);
    if (match === null) continue;
    if (!readRel(match[2]!).includes("next")) continue;
    let url: URL;
    try {
      url = new URL(match[1]!, upstream.origin + fetched);
    } catch {
      return undefined;
    }
    const base = upstream.basePath;
    const inside = base === "" || url.pathname === base || url.pathname.startsWith(`${base}/`);
    if (url.origin !== upstream.origin || !inside || url.username !== "" || url.password !== "") return undefined;
    return url.pathname + url.search;
  }
  return undefined;
}

/** The `rel` values of one link's parameters (`; title="a; rel=x"; rel="next last"`), quoted text skipped. */
function readRel(params: string): string[] {
  for (const param of params.matchAll(/;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/g)) {
    if (param[1]!.toLowerCase() === "rel") return (param[2] ?? param[3] ?? "").toLowerCase().split(/\s+/);
  }
  return [];
}

/** Splits a Link header at the commas between links (not those inside <…> or quotes). */
function splitLinks(header: string): string[] {
  const links: string[] = [];
  let current = "";
  let inUrl = false;
  let inQuote = false;
  for (const char of header) {
    if (char === "<" && !inQuote) inUrl = true;
    else if (char === ">" && !inQuote) inUrl = false;
    else if (char === '"' && !inUrl) inQuote = !inQuote;
    if (char === "," && !inUrl && !inQuote) {
      links.push(current);
      current = "";
    } else current += char;
  }
  links.push(current);
  return links;
}
