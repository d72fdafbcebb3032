// The scenarios: which query, which upstream mode, which systems, how many connections.
import { POST_LIMIT, PREDICT_INPUT, USER_ID } from "./api.mjs";

const gateways = ["trestle", "tailcall", "yoga", "apollo", "hive"];

export const scenarios = [
  {
    id: "single",
    title: "Single resource, upstream no-store",
    about: "`user(id)`: one upstream GET per query; the upstream says no-store, so nothing is cached.",
    query: "user",
    upstream: { delayMs: 0, cacheMode: "no-store" },
    systems: [...gateways, "tailcall-nobatch", "bare-proxy", "upstream"],
    raw: { method: "GET", path: `/users/${USER_ID}` },
  },
  {
    id: "n1",
    title: "Nested N+1, cacheable",
    about: `\`posts(limit: ${POST_LIMIT}) { author { team } }\`: 1 + ${POST_LIMIT} + ${POST_LIMIT} fields; upstream answers are \`public, max-age=60\`.`,
    query: "n1",
    upstream: { delayMs: 0, cacheMode: "public" },
    systems: [...gateways, "upstream"],
    raw: { method: "GET", path: `/posts?limit=${POST_LIMIT}` },
  },
  {
    id: "predict",
    title: "Inference mutation (POST /predict)",
    about: "`mutation { predict(input) }`: one upstream POST per query, never cached.",
    query: "predict",
    upstream: { delayMs: 0, cacheMode: "public" },
    systems: [...gateways, "bare-proxy", "upstream"],
    raw: { method: "POST", path: "/predict", body: JSON.stringify(PREDICT_INPUT) },
  },
  {
    id: "cache",
    title: "Repeated query served from the cache",
    about: "`user(id)` again, upstream `public, max-age=60`: after the first query every answer can come from the system's cache.",
    query: "user",
    upstream: { delayMs: 0, cacheMode: "public" },
    systems: [...gateways, "tailcall-nobatch", "bare-json"],
  },
  {
    id: "n1-5ms",
    title: "Nested N+1, upstream 5 ms and no-store, 50 connections",
    about: "The N+1 query against a slower upstream that forbids caching: batching and concurrency, not the cache.",
    query: "n1",
    upstream: { delayMs: 5, cacheMode: "no-store" },
    connections: 50,
    systems: [...gateways, "upstream"],
    raw: { method: "GET", path: `/posts?limit=${POST_LIMIT}` },
  },
  {
    id: "dedupe",
    title: "Nested N+1, upstream 5 ms and no-store, 50 connections, dedupe on both sides",
    about:
      "`n1-5ms` with identical upstream GETs in flight at the same moment sent once: Trestle on the bench schema amended by " +
      '`extend schema @upstream(name: "bench", dedupe: true)`, Tailcall with `dedupe: true` (as in every scenario). Nothing is stored.',
    query: "n1",
    upstream: { delayMs: 5, cacheMode: "no-store" },
    connections: 50,
    // An amendment of the bench schema's upstream (an @upstream without baseUrl), in a file beside it.
    trestleAmendment: 'extend schema @upstream(name: "bench", dedupe: true)',
    systems: ["trestle", "tailcall", "upstream"],
    raw: { method: "GET", path: `/posts?limit=${POST_LIMIT}` },
  },
  {
    id: "passthrough",
    title: "Passthrough GET /rest/bench/users/42",
    about: "The upstream's REST route through the system, unchanged (upstream `public, max-age=60`).",
    passthrough: `/users/${USER_ID}`,
    upstream: { delayMs: 0, cacheMode: "public" },
    systems: ["trestle", "fastify-proxy", "upstream"],
    raw: { method: "GET", path: `/users/${USER_ID}` },
  },
];

export const quickScenarioIds = ["n1", "cache", "n1-5ms", "passthrough"];
