// How the bench starts Tailcall 1.0: its binary from this folder's npm dependency
// (@tailcallhq/core-linux-x64-gnu), on bench.graphql rendered for one run (port, upstream
// URL, and for `tailcall-nobatch` no batch window), offline: usage tracking off
// (TAILCALL_TRACKER=false) and the once-a-day release check skipped (its state file, in a
// private XDG_CACHE_HOME, says it just ran).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const renderedDirs = new Set();
process.once("exit", () => {
  for (const dir of renderedDirs) rmSync(dir, { recursive: true, force: true });
});

/** The Tailcall binary, or a clear error when bench/node_modules lacks it. */
export function tailcallBinary() {
  try {
    return join(dirname(require.resolve("@tailcallhq/core-linux-x64-gnu/package.json")), "bin", "tailcall");
  } catch {
    throw new Error("@tailcallhq/core-linux-x64-gnu is not installed: run npm ci in bench/ (Linux x64, glibc only)");
  }
}

/** `{ file, args, env }` to spawn Tailcall on `port` against `upstreamUrl`. */
export function tailcallLaunch({ port, upstreamUrl, batchWindow = true }) {
  const dir = mkdtempSync(join(tmpdir(), "trestle-bench-tailcall-"));
  renderedDirs.add(dir);
  let config = readFileSync(join(here, "bench.graphql"), "utf8")
    .replaceAll("__PORT__", String(port))
    .replaceAll("__UPSTREAM_URL__", upstreamUrl);
  // Without the batch window, batchKey is refused: the N+1 fields read one record each.
  if (!batchWindow)
    config = config
      .replace(/ batch: \{[^}]*\},/, "")
      .replace(/url: "([^"]+)"\s+query: \[\{key: "ids", value: "([^"]+)"\}\]\s+batchKey: \["id"\]/g, 'url: "$1/$2"');
  const file = join(dir, "bench.graphql");
  writeFileSync(file, config);
  mkdirSync(join(dir, "cache", "tailcall"), { recursive: true });
  writeFileSync(join(dir, "cache", "tailcall", ".state"), String(Math.floor(Date.now() / 1000)));
  return {
    file: tailcallBinary(),
    args: ["start", file],
    env: { TAILCALL_TRACKER: "false", TC_TRACKER: "false", XDG_CACHE_HOME: join(dir, "cache"), TAILCALL_LOG_LEVEL: "error" },
  };
}
