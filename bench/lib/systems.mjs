// The systems under test: how each is started, and what kind of requests it answers.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tailcallLaunch } from "../systems/tailcall/start.mjs";

/**
 * kind: "graphql" answers POST /graphql; "proxy" answers GET /rest/bench/...;
 * "raw" is the upstream itself (the floor), already running.
 */
/**
 * `command(context)` is the `node` argument list; a system that is not a Node program has
 * `launch(context)` returning `{ file, args, env }` instead. context: port, trestleDir,
 * baseDir, upstreamUrl, nodeOptions, and the scenario (its `trestleAmendment` of the bench schema, if any).
 * `numericIds`: the system answers ID fields as JSON numbers; the gate compares them as strings.
 */
/** Relative to bench/ (the systems' working directory); the amended copies are absolute. */
const benchSchema = "systems/trestle/schema";
const benchSchemaFile = join(dirname(fileURLToPath(import.meta.url)), "..", benchSchema, "bench.graphql");
const amended = new Map();

/** The bench schema with a scenario's amendment file beside it, in a folder of its own (made once per amendment). */
function amendedSchema(amendment) {
  let folder = amended.get(amendment);
  if (folder === undefined) {
    folder = mkdtempSync(join(tmpdir(), "trestle-bench-schema-"));
    copyFileSync(benchSchemaFile, join(folder, "bench.graphql"));
    writeFileSync(join(folder, "amendment.graphql"), `${amendment}\n`);
    amended.set(amendment, folder);
    const made = folder;
    process.once("exit", () => rmSync(made, { recursive: true, force: true }));
  }
  return folder;
}

/** `trestle serve` of the build in `dir`, on the bench schema (amended as the scenario says). */
const serveTrestle = (dir, port, nodeOptions, scenario) => [
  ...nodeOptions,
  join(dir, "bin", "trestle.js"),
  "serve",
  "--schema",
  scenario?.trestleAmendment === undefined ? benchSchema : amendedSchema(scenario.trestleAmendment),
  "--port",
  String(port),
  "--host",
  "127.0.0.1",
];

export const systems = {
  trestle: {
    label: "Trestle",
    kind: "graphql",
    graphqlPath: "/graphql",
    proxyPrefix: "/rest/bench",
    command: ({ port, trestleDir, nodeOptions = [], scenario }) => serveTrestle(trestleDir, port, nodeOptions, scenario),
  },
  // `--base DIR`: the same server from another build of Trestle, run beside `trestle` in every
  // round (rotating order), so a change is measured against the build before it in one run.
  "trestle-base": {
    label: "Trestle, base build (--base)",
    kind: "graphql",
    graphqlPath: "/graphql",
    proxyPrefix: "/rest/bench",
    command: ({ port, baseDir, nodeOptions = [], scenario }) => serveTrestle(baseDir, port, nodeOptions, scenario),
  },
  // Tailcall 1.0 (Rust): systems/tailcall/bench.graphql, the binary from bench/node_modules.
  tailcall: {
    label: "Tailcall 1.0 (Rust)",
    kind: "graphql",
    graphqlPath: "/graphql",
    numericIds: true,
    launch: ({ port, upstreamUrl }) => tailcallLaunch({ port, upstreamUrl }),
  },
  // The same without its 1 ms batch window (what a single read or a cache hit measures best).
  "tailcall-nobatch": {
    label: "Tailcall 1.0, no batch window",
    kind: "graphql",
    graphqlPath: "/graphql",
    numericIds: true,
    launch: ({ port, upstreamUrl }) => tailcallLaunch({ port, upstreamUrl, batchWindow: false }),
  },
  yoga: {
    label: "yoga + dataloader + lru-cache (by hand)",
    kind: "graphql",
    graphqlPath: "/graphql",
    command: ({ nodeOptions = [] }) => [...nodeOptions, "systems/yoga/server.mjs"],
  },
  apollo: {
    label: "Apollo Server 5 + RESTDataSource + DataLoader",
    kind: "graphql",
    graphqlPath: "/graphql",
    command: ({ nodeOptions = [] }) => [...nodeOptions, "systems/apollo/server.mjs"],
  },
  hive: {
    label: "Hive Gateway + Mesh OpenAPI",
    kind: "graphql",
    graphqlPath: "/graphql",
    command: ({ nodeOptions = [] }) => [...nodeOptions, "systems/hive-gateway/server.mjs"],
  },
  "fastify-proxy": {
    label: "@fastify/http-proxy",
    kind: "proxy",
    proxyPrefix: "/rest/bench",
    command: ({ nodeOptions = [] }) => [...nodeOptions, "systems/fastify-proxy/server.mjs"],
  },
  "bare-json": {
    label: "bare node:http, JSON from memory",
    kind: "graphql",
    graphqlPath: "/graphql",
    command: ({ nodeOptions = [] }) => [...nodeOptions, "systems/bare-json/server.mjs"],
    env: { BARE_JSON_QUERY: "user" },
  },
  // The Node floor of `predict` and `single`: node:http + an undici Pool, no GraphQL.
  "bare-proxy": {
    label: "bare node:http + undici, no GraphQL",
    kind: "graphql",
    graphqlPath: "/graphql",
    command: ({ nodeOptions = [] }) => [...nodeOptions, "systems/bare-proxy/server.mjs"],
  },
  upstream: {
    label: "raw upstream (floor)",
    kind: "raw",
  },
};
