/**
 * Which stored answers of one upstream a purge takes, in a form that travels between
 * processes: `paths` (exact pathnames: a write's path and its parent), `prefix` (a path and
 * everything below it segment-wise) or neither (every answer of the upstream).
 */
export interface PurgeMessage {
  upstream: string;
  paths?: readonly string[];
  /** Already joined with the upstream's base path. */
  prefix?: string;
}

/**
 * Carries purges to the other processes that hold a first tier of the same cache: Redis
 * pub/sub between replicas (redis-tier.ts), the cluster's IPC between `--workers`
 * (cluster-purge-relay.ts). `publish` never rejects; the handler never sees its own purges.
 */
export interface PurgeBus {
  publish(message: PurgeMessage): Promise<void>;
  subscribe(handler: (message: PurgeMessage) => void): void;
  close(): Promise<void>;
}

/** The path test a purge message stands for. */
export function toPathMatcher(message: PurgeMessage): (pathname: string) => boolean {
  const { paths, prefix } = message;
  if (paths !== undefined) return (path) => paths.includes(path);
  if (prefix !== undefined) return (path) => prefix === "" || path === prefix || path.startsWith(`${prefix}/`);
  return () => true;
}

/**
 * The keys a purge reaches in one upstream's index (path → keys): the paths it lists looked up
 * one by one (a write's purge costs what it names, not the size of the index: an attacker who
 * filled the cache with distinct paths does not make every write slower), else every path its
 * prefix (or none: all) matches.
 */
export function keysToPurge(index: ReadonlyMap<string, ReadonlySet<string>>, message: PurgeMessage): string[] {
  const keys: string[] = [];
  if (message.paths !== undefined) {
    for (const path of message.paths) for (const key of index.get(path) ?? []) keys.push(key);
    return keys;
  }
  const matches = toPathMatcher(message);
  for (const [pathname, set] of index) if (matches(pathname)) for (const key of set) keys.push(key);
  return keys;
}

/** A message from another process, checked: anything else is dropped. */
export function readPurgeMessage(value: unknown): PurgeMessage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { upstream, paths, prefix } = value as Record<string, unknown>;
  if (typeof upstream !== "string") return undefined;
  if (paths !== undefined && !(Array.isArray(paths) && paths.every((path) => typeof path === "string"))) return undefined;
  if (prefix !== undefined && typeof prefix !== "string") return undefined;
  return { upstream, ...(paths === undefined ? {} : { paths: paths as string[] }), ...(prefix === undefined ? {} : { prefix }) };
}
