// The systems under test: how each is started, and what kind of requests it answers.
import { join } from "node:path";

/**
 * kind: "graphql" answers POST /graphql; "proxy" answers GET /rest/bench/...;
 * "raw" is the upstream itself (the floor), already running.
 */
/** `trestle serve` of the build in `dir`, on the bench schema. */
const serveTrestle = (dir, port, nodeOptions) => [
  ...nodeOptions,
  join(dir, "bin", "trestle.js"),
  "serve",
  "--schema",
  "systems/trestle/schema",
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
    command: ({ port, trestleDir, nodeOptions = [] }) => serveTrestle(trestleDir, port, nodeOptions),
  },
  // `--base DIR`: the same server from another build of Trestle, run beside `trestle` in every
  // round (rotating order), so a change is measured against the build before it in one run.
  "trestle-base": {
    label: "Trestle, base build (--base)",
    kind: "graphql",
    graphqlPath: "/graphql",
    proxyPrefix: "/rest/bench",
    command: ({ port, baseDir, nodeOptions = [] }) => serveTrestle(baseDir, port, nodeOptions),
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
  upstream: {
    label: "raw upstream (floor)",
    kind: "raw",
  },
};
