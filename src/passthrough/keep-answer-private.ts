/**
 * The `Cache-Control` a client gets for an answer to a request that carried the caller's
 * identity, when the schema did not say `@upstream(cache: { scope: PUBLIC })`: `public` and
 * `s-maxage` go, `private` is added (RFC 9111 §5.2.2.7), so a CDN in front of the passthrough
 * route does not hand one user's answer to the next (S04: the upstream's own `public` does
 * not share a credentialed answer in Trestle's cache either). `no-store` needs nothing more.
 */
export function keepAnswerPrivate(cacheControl: string | undefined): string | undefined {
  if (cacheControl === undefined) return undefined;
  const kept: string[] = [];
  let isPrivate = false;
  for (const part of cacheControl.split(",")) {
    const directive = part.trim();
    const name = (directive.split("=")[0] ?? "").trim().toLowerCase();
    if (name === "" || name === "public" || name === "s-maxage") continue;
    if (name === "private" || name === "no-store") isPrivate = true;
    kept.push(directive);
  }
  return isPrivate ? kept.join(", ") : ["private", ...kept].join(", ");
}
