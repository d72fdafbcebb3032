/** What every query value of a traced URL becomes. */
export const redacted = "REDACTED";

/**
 * The `url.full` of an upstream call as traces show it: the upstream's origin and the path,
 * every query value replaced by `REDACTED` (names kept: `?q=REDACTED&page=REDACTED`). Query
 * values may come from arguments or `{env.X}` secrets, and a rendered URL no longer says which,
 * so all go, and a pair without `=` (a bare value) goes whole. A path declared with an `{env.X}` segment is shown as declared (`route`), never
 * rendered. The origin carries no credentials (`@upstream` takes none in its URL).
 */
export function redactUrl(origin: string, path: string, route: string | undefined): string {
  const at = path.indexOf("?");
  const pathname = route !== undefined && route.includes("{env.") ? route : at === -1 ? path : path.slice(0, at);
  if (at === -1) return origin + pathname;
  const names = path
    .slice(at + 1)
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      return equals === -1 ? redacted : `${pair.slice(0, equals)}=${redacted}`;
    });
  return `${origin}${pathname}?${names.join("&")}`;
}
