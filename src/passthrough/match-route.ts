import type { HttpMethod, PassthroughPlan, UpstreamPlan } from "../plan/schema-plan.js";
import type { NormalizedTarget } from "./normalize-path.js";

export type RouteMatch =
  | {
      kind: "route";
      upstream: UpstreamPlan;
      passthrough: PassthroughPlan;
      /** `/<prefix>/rest/<name>`: where this upstream is mounted, for `Location` rewriting. */
      mount: string;
      /** The origin-relative target to send: base path, the rest of the raw path, the raw query. */
      path: string;
    }
  /** `upstream`: the name of the upstream open for passthrough the request reached, if any. */
  | { kind: "not-found"; detail: string; upstream?: string }
  | { kind: "method-not-allowed"; allow: string; detail: string; upstream: string };

/** A compiled glob: literal segments (decoded), `*` (one segment) or `**` (zero or more). */
type Glob = readonly string[];

interface CompiledUpstream {
  upstream: UpstreamPlan;
  passthrough: PassthroughPlan;
  globs: readonly Glob[];
  methods: ReadonlySet<string>;
  allow: string;
  mount: string;
}

/**
 * Compiles every upstream's passthrough globs once; the matcher it returns does per request
 * only what must be done per request: compare segments. The mount (`<prefix>/rest/<name>`)
 * is compared raw, so an encoded spelling (`/rest/%6d%6c/x`) names no upstream; the rest
 * of the path is compared decoded with the globs (normalizePath has already refused
 * dot-segments and encoded separators, so decoding cannot change the segment structure).
 * GET also opens HEAD (RFC 9110 §9.3.2).
 */
export function createRouteMatcher(
  prefix: string,
  upstreams: Iterable<UpstreamPlan>,
): (target: NormalizedTarget, method: string) => RouteMatch {
  const prefixSegments = prefix === "" ? [] : prefix.slice(1).split("/");
  const mountDepth = prefixSegments.length + 2;
  const byName = new Map<string, CompiledUpstream>();
  for (const upstream of upstreams) {
    const { passthrough } = upstream;
    if (passthrough === undefined) continue;
    const methods = new Set<string>(passthrough.methods);
    if (methods.has("GET")) methods.add("HEAD" satisfies HttpMethod);
    byName.set(upstream.name, {
      upstream,
      passthrough,
      globs: passthrough.paths.map(compileGlob),
      methods,
      allow: [...methods].join(", "),
      mount: `${prefix}/rest/${upstream.name}`,
    });
  }

  return (target, method) => {
    const { raw, decoded } = target;
    const name = raw[mountDepth - 1];
    const compiled = name === undefined ? undefined : byName.get(name);
    if (compiled === undefined) return { kind: "not-found", detail: `No upstream ${JSON.stringify(name ?? "")} is open for passthrough.` };
    // A trailing "/" is forwarded as sent, but routes as if absent: "/models/" matches "/models/**".
    const end = decoded.length > mountDepth && decoded[decoded.length - 1] === "" ? decoded.length - 1 : decoded.length;
    const rest = decoded.slice(mountDepth, end);
    const restPath = `/${raw.slice(mountDepth).join("/")}`;
    if (!compiled.globs.some((glob) => matchGlob(glob, 0, rest, 0))) {
      const detail = `Upstream "${compiled.upstream.name}" has no passthrough route for ${restPath}.`;
      return { kind: "not-found", detail, upstream: compiled.upstream.name };
    }
    if (!compiled.methods.has(method)) {
      return {
        kind: "method-not-allowed",
        allow: compiled.allow,
        detail: `Upstream "${compiled.upstream.name}" allows ${compiled.allow} on passthrough routes, not ${method}.`,
        upstream: compiled.upstream.name,
      };
    }
    return {
      kind: "route",
      upstream: compiled.upstream,
      passthrough: compiled.passthrough,
      mount: compiled.mount,
      path: compiled.upstream.basePath + restPath + target.search,
    };
  };
}

/** "/models/**" → ["models", "**"]; literal segments are compared decoded, as requests are. */
function compileGlob(path: string): Glob {
  const segments = path.slice(1).split("/");
  if (segments[segments.length - 1] === "") segments.pop();
  return segments.map((segment) => (segment === "*" || segment === "**" ? segment : safeDecode(segment)));
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchGlob(glob: Glob, g: number, path: readonly string[], p: number): boolean {
  for (; g < glob.length; g++, p++) {
    const part = glob[g]!;
    if (part === "**") {
      for (let skip = p; skip <= path.length; skip++) if (matchGlob(glob, g + 1, path, skip)) return true;
      return false;
    }
    if (p >= path.length || (part !== "*" && part !== path[p])) return false;
  }
  return p === path.length;
}
