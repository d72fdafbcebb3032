#!/usr/bin/env node
// Soak test (cases L05 and F19 of docs/threat-model.md).
//
//   npm run build && npm run soak                       # 5 minutes (300 s)
//   npm run soak -- --seconds 60 --concurrency 8        # shorter, lighter
//   node scripts/soak.mjs --seconds 60 --json           # also print the results as JSON
//   npm run soak -- --no-breaker                         # breaker off: retries and their budget alone
//   npm run soak -- --breaker-rate 0.6                   # breaker by failure rate (breaker: { failureRate })
//   npm run soak -- --seconds 30 --abuse                 # an abusive client beside the normal traffic
//
// Not part of `npm test`. It needs the built package (dist/index.js: `npm ci` or `npm run
// build` makes it) and nothing else: no network, no new dependency. Three pieces:
//
// - a flapping upstream (node:http, in this process): 30 s healthy (1-4 ms answers), then
//   10 s in which half the requests get a 503 and the other half answer slowly (100-500 ms,
//   one in five after 1.2 s, past the upstream's 1 s timeout), and so on;
// - Trestle, built from dist/, in a child process of its own (started with --expose-gc, so
//   its memory is measured alone and after garbage collection), serving a schema with a
//   cached read, a batched N+1 list, a mutation and a passthrough GET, with a 4 MiB cache
//   over about 18 MB of distinct answers (so the cache's bound is reached and must hold);
// - a load loop: `--concurrency` workers (default 16) sending a fixed mix for `--seconds`
//   (default 300): 40 % cached reads, 25 % N+1 lists, 10 % mutations, 20 % passthrough GETs
//   and 5 % refused-by-design requests (16 aliases: 400 MAX_ALIASES_LIMIT).
//
// It prints requests, outcomes by code, p50/p99 latency (overall, healthy and flapping
// phases), Trestle's RSS and heapUsed (after gc) at start and end plus their peak, the cache's
// calculatedSize against maxSize, event-loop delay, active handles, and upstream attempts
// against Trestle's upstream calls (onUpstreamRequest runs once per call, before retries), so
// the retry budget (a fifth of the calls, 10 banked) can be checked while the upstream flaps.
//
// With --abuse, `--abuse-workers` (default 4) more workers run beside the normal ones, sending
// only what an abusive client would (S02/S09 brief; none of it counts in the normal numbers):
// header values with control characters or characters past U+00FF (rendered from
// `{args.label}`, or raw latin-1 bytes in the `from:`-forwarded X-Tenant of a passthrough
// GET), ~1 MB GraphQL documents made of comments and unique each time, list sizes given as
// variables past what the cost rule assumes (`{"n": 1999}`) and 500-id lists, each item then
// making its own upstream call; and a stall loop holding up to `--abuse-stalls` (default 24)
// raw-socket passthrough POSTs that declare 1 MiB (past the 64 KiB read-whole threshold),
// send 1 KiB, trickle a byte a second for 5 s, then stall until the server gives up or 30 s
// pass. The abuser's outcomes and latency are reported apart from the normal traffic's, and
// Trestle's RSS over time beside them. It only ever connects to 127.0.0.1, and every loop
// ends with --seconds.
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { connect } from "node:net";
import { resolve as resolvePath } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";

const HEALTHY_S = 30;
const FLAPPING_S = 10;
const CACHE_MAX_SIZE = 4 * 1024 * 1024;
const MODELS = 4000;
const USERS = 400;
const PAGES = 1000;
const DESCRIPTION = "x".repeat(2000);
const STALL_DECLARED_BYTES = 1024 * 1024;
const STALL_MAX_MS = 30_000;
/** ~1 MB of comments, the bulk of every huge document (each gets its own unique line too). */
const COMMENTS = `# ${"c".repeat(98)}\n`.repeat(10_000);

// ---------------------------------------------------------------------------------------------
// The orchestrator: upstream, load loop, report.

async function runSoak() {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "300" },
      concurrency: { type: "string", default: "16" },
      json: { type: "boolean", default: false },
      dist: { type: "string", default: "" },
      "no-breaker": { type: "boolean", default: false },
      "breaker-rate": { type: "string", default: "" },
      abuse: { type: "boolean", default: false },
      "abuse-workers": { type: "string", default: "4" },
      "abuse-stalls": { type: "string", default: "24" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: node --expose-gc scripts/soak.mjs [--seconds 300] [--concurrency 16] [--json] [--dist DIR] [--no-breaker | --breaker-rate 0.6] [--abuse [--abuse-workers 4] [--abuse-stalls 24]]",
    );
    return;
  }
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  if (!(seconds > 0) || !Number.isInteger(concurrency) || concurrency < 1) {
    console.error(`soak: --seconds must be > 0 and --concurrency a positive integer, received ${values.seconds} and ${values.concurrency}`);
    process.exitCode = 1;
    return;
  }

  const abuseWorkers = values.abuse ? Number(values["abuse-workers"]) : 0;
  const abuseStalls = values.abuse ? Number(values["abuse-stalls"]) : 0;
  if (!Number.isInteger(abuseWorkers) || abuseWorkers < 0 || !Number.isInteger(abuseStalls) || abuseStalls < 0) {
    console.error(
      `soak: --abuse-workers and --abuse-stalls must be integers of 0 or more, received ${values["abuse-workers"]} and ${values["abuse-stalls"]}`,
    );
    process.exitCode = 1;
    return;
  }

  const upstream = await startFlappingUpstream();
  const rate = values["breaker-rate"];
  if (rate !== "" && !(Number(rate) > 0 && Number(rate) <= 1)) {
    console.error(`soak: --breaker-rate must be a share of the calls, more than 0 and at most 1, received ${rate}`);
    process.exitCode = 1;
    return;
  }
  const breaker = values["no-breaker"] ? "off" : rate !== "" ? `rate:${Number(rate)}` : "on";
  const trestle = await startTrestleChild(upstream.url, values.dist, breaker);
  const base = `http://127.0.0.1:${trestle.port}`;

  // Warm the connection pools, then take the baseline.
  for (let i = 0; i < 20; i++) await send(base, "cached-read");
  const start = await trestle.stats({ gc: true });
  const startedAt = Date.now();
  upstream.startClock(startedAt);
  const samples = [];
  const sampler = setInterval(
    async () => samples.push({ t: Math.round((Date.now() - startedAt) / 1000), ...(await trestle.stats({ gc: false })) }),
    5_000,
  );

  const abuse = { total: 0, byKind: {}, byCode: {}, latencyByKind: {}, stalls: { opened: 0, answered: {}, heldMs: [] } };
  console.log(
    `soak: ${seconds} s, ${concurrency} workers, upstream flapping (${HEALTHY_S} s healthy / ${FLAPPING_S} s: 50 % 503 + slow answers), default retries, ${breaker === "on" ? "default breaker" : breaker === "off" ? "no breaker" : `breaker at failureRate ${breaker.slice(5)}`}, timeoutMs 1000${values.abuse ? `; abusive client: ${abuseWorkers} workers, up to ${abuseStalls} stalled uploads` : ""}; Trestle pid ${trestle.pid}`,
  );
  const results = { total: 0, byKind: {}, byCode: {}, latency: [], latencyByPhase: { healthy: [], flapping: [] } };
  const deadline = startedAt + seconds * 1000;
  let lastReport = startedAt;
  const abusers = [
    ...Array.from({ length: abuseWorkers }, () => runAbuseWorker(base, trestle.port, deadline, abuse)),
    ...Array.from({ length: abuseStalls }, () => runStallLoop(trestle.port, deadline, abuse)),
  ];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const kind = pickKind();
        const phase = phaseAt(Date.now() - startedAt);
        const began = performance.now();
        const code = await send(base, kind);
        const ms = performance.now() - began;
        results.total++;
        results.byKind[kind] = (results.byKind[kind] ?? 0) + 1;
        const key = kind === "refused" ? `refused: ${code}` : code;
        results.byCode[key] = (results.byCode[key] ?? 0) + 1;
        if (kind !== "refused") {
          results.latency.push(ms);
          results.latencyByPhase[phase].push(ms);
        }
        if (Date.now() - lastReport >= 30_000) {
          lastReport = Date.now();
          console.log(`  ${Math.round((lastReport - startedAt) / 1000)} s: ${results.total} requests`);
        }
      }
    }),
  );
  const elapsed = (Date.now() - startedAt) / 1000;
  await Promise.all(abusers);
  clearInterval(sampler);
  const atStop = await trestle.stats({ gc: true });
  // Idle keep-alive sockets (Trestle's 5 s, undici's 4 s) close on their own; then measure again.
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  const end = await trestle.stats({ gc: true });
  await trestle.stop();
  await upstream.close();

  const report = buildReport({
    seconds: elapsed,
    concurrency,
    results,
    start,
    atStop,
    end,
    samples,
    upstream: upstream.counts(),
    abuse: values.abuse ? abuse : undefined,
  });
  printReport(report);
  if (values.json) console.log(JSON.stringify(report, null, 2));
}

/** The request mix: weights of each kind, out of 100. */
const mix = [
  ["cached-read", 40],
  ["n+1", 25],
  ["mutation", 10],
  ["passthrough", 20],
  ["refused", 5],
];

function pickKind() {
  let roll = Math.random() * 100;
  for (const [kind, weight] of mix) {
    if ((roll -= weight) < 0) return kind;
  }
  return "cached-read";
}

const randomInt = (n) => Math.floor(Math.random() * n);
const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: model(name: "m-${i}") { name }`).join(" ");

/** Sends one request of a kind; answers "ok" or the error code (the first one, for GraphQL). */
async function send(base, kind) {
  try {
    if (kind === "passthrough") {
      const response = await fetch(`${base}/rest/api/models/m-${randomInt(MODELS)}`);
      const text = await response.text();
      if (response.ok) return "ok";
      return safeCode(text) ?? `HTTP_${response.status}`;
    }
    const body =
      kind === "cached-read"
        ? {
            query: "query($n: String!) { model(name: $n) { name latestVersion description owner { name } } }",
            variables: { n: `m-${randomInt(MODELS)}` },
          }
        : kind === "n+1"
          ? { query: "query($p: Int!) { runs(page: $p) { id user { id name } } }", variables: { p: randomInt(PAGES) } }
          : kind === "mutation"
            ? {
                query: "mutation($n: String!) { predict(model: $n, input: { inputs: [0.1, 0.2, 0.3] }) { model scores } }",
                variables: { n: `m-${randomInt(MODELS)}` },
              }
            : { query: `{ ${aliases} }` };
    const response = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    const code = json.errors?.[0]?.extensions?.code;
    if (code !== undefined) return code;
    return response.ok ? "ok" : `HTTP_${response.status}`;
  } catch (error) {
    return `CLIENT_${error?.cause?.code ?? error?.name ?? "ERROR"}`;
  }
}

function safeCode(text) {
  try {
    return JSON.parse(text).code;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The abusive client (--abuse): its own workers, its own tallies.

const abuseMix = [
  ["bad-header", 25],
  ["huge-document", 20],
  ["big-list", 30],
  ["big-ids", 25],
];

/** Values a header rule renders from `{args.label}`: controls, DEL, and characters past U+00FF. */
const badLabels = [
  "a\u0001b",
  "tab\u0009and\u007fdel",
  "\u0085next-line",
  "euro \u20ac",
  "emoji \u{1F600}",
  "\u2028separator",
  "\u00ff\u0100",
];
/** Raw bytes in a `from:`-forwarded header: latin-1 obs-text that Node's parser lets through. */
const badRawTenants = ["caf\xe9", "\xff\xfe\xfd", "a\x80\x9fb"];
const bigIds = Array.from({ length: 500 }, (_, i) => `m-${i}`);
let unique = 0;

function pickAbuse() {
  let roll = Math.random() * 100;
  for (const [kind, weight] of abuseMix) {
    if ((roll -= weight) < 0) return kind;
  }
  return "bad-header";
}

async function runAbuseWorker(base, port, deadline, abuse) {
  while (Date.now() < deadline) {
    const kind = pickAbuse();
    const began = performance.now();
    const code = await sendAbuse(base, port, kind);
    const ms = performance.now() - began;
    abuse.total++;
    abuse.byKind[kind] = (abuse.byKind[kind] ?? 0) + 1;
    abuse.byCode[`${kind}: ${code}`] = (abuse.byCode[`${kind}: ${code}`] ?? 0) + 1;
    (abuse.latencyByKind[kind] ??= []).push(ms);
  }
}

async function sendAbuse(base, port, kind) {
  try {
    if (kind === "bad-header" && Math.random() < 0.4) {
      const tenant = badRawTenants[randomInt(badRawTenants.length)];
      const request = `GET /rest/api/models/m-${randomInt(MODELS)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Tenant: ${tenant}\r\nConnection: close\r\n\r\n`;
      const status = await rawExchange(port, Buffer.from(request, "latin1"));
      return status === 200 ? "ok" : `HTTP_${status}`;
    }
    const n = 1 + randomInt(1999);
    const body =
      kind === "bad-header"
        ? {
            query: "query($n: String!, $l: String!) { labelled(name: $n, label: $l) { name } }",
            variables: { n: `m-${randomInt(MODELS)}`, l: badLabels[randomInt(badLabels.length)] },
          }
        : kind === "huge-document"
          ? { query: `# ${Date.now()}-${unique++}\n${COMMENTS}{ model(name: "m-${randomInt(MODELS)}") { name } }` }
          : kind === "big-list"
            ? { query: "query($n: Int!) { models(first: $n) { name latest { version } } }", variables: { n } }
            : { query: "query($ids: [String!]!) { modelsByIds(ids: $ids) { name latest { version } } }", variables: { ids: bigIds } };
    const response = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const code = safeJson(text)?.errors?.[0]?.extensions?.code;
    if (code !== undefined) return code;
    return response.ok ? "ok" : `HTTP_${response.status}`;
  } catch (error) {
    return `CLIENT_${error?.cause?.code ?? error?.name ?? "ERROR"}`;
  }
}

/** One request as raw bytes on its own connection to 127.0.0.1; resolves with the status (0: no answer). */
function rawExchange(port, bytes) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let head = "";
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on("data", (chunk) => {
      if (head.length < 64) head += chunk.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    });
    socket.write(bytes);
  });
}

/**
 * One stall slot: a passthrough POST that declares 1 MiB, sends 1 KiB, trickles a byte a second
 * for 5 s, then sends nothing until the server answers or closes, or 30 s pass (then the
 * abuser hangs up). Slots reopen until the deadline; each socket is ended by then.
 */
async function runStallLoop(port, deadline, abuse) {
  while (Date.now() < deadline) {
    abuse.stalls.opened++;
    const began = Date.now();
    const outcome = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      let head = "";
      let trickled = 0;
      const trickle = setInterval(() => {
        if (trickled++ < 5 && !socket.destroyed) socket.write("x");
      }, 1_000);
      const giveUp = setTimeout(() => socket.destroy(), Math.max(0, Math.min(STALL_MAX_MS, deadline - Date.now())));
      socket.on("data", (chunk) => {
        if (head.length < 64) head += chunk.toString("latin1");
      });
      socket.on("error", () => undefined);
      socket.on("close", () => {
        clearInterval(trickle);
        clearTimeout(giveUp);
        const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
        resolve(
          status !== undefined
            ? `HTTP_${status}`
            : Date.now() >= deadline || Date.now() - began >= STALL_MAX_MS
              ? "held until the abuser hung up"
              : "closed by the server, no answer",
        );
      });
      socket.write(
        `POST /rest/api/models/m-${randomInt(MODELS)}/predict HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${STALL_DECLARED_BYTES}\r\n\r\n${"{".padEnd(1024, " ")}`,
      );
    });
    abuse.stalls.answered[outcome] = (abuse.stalls.answered[outcome] ?? 0) + 1;
    abuse.stalls.heldMs.push(Date.now() - began);
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function phaseAt(ms) {
  return (ms / 1000) % (HEALTHY_S + FLAPPING_S) < HEALTHY_S ? "healthy" : "flapping";
}

// ---------------------------------------------------------------------------------------------
// The flapping upstream: a small model registry.

async function startFlappingUpstream() {
  let clock = Date.now();
  const attempts = { healthy: 0, flapping: 0 };
  const answered = {};
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const phase = phaseAt(Date.now() - clock);
      attempts[phase]++;
      let wait = 1 + Math.random() * 3;
      let fail = false;
      if (phase === "flapping") {
        fail = Math.random() < 0.5;
        wait = fail ? 5 + Math.random() * 20 : Math.random() < 0.2 ? 1_200 : 100 + Math.random() * 400;
      }
      setTimeout(() => {
        if (res.destroyed) return;
        const status = fail ? 503 : route(req, Buffer.concat(chunks).toString("utf8"), res);
        if (fail) json(res, 503, { detail: "flapping" });
        answered[status] = (answered[status] ?? 0) + 1;
      }, wait);
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    startClock: (at) => {
      clock = at;
      attempts.healthy = 0;
      attempts.flapping = 0;
    },
    counts: () => ({ attempts: { ...attempts }, answered: { ...answered } }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function route(req, body, res) {
  const url = new URL(req.url, "http://upstream");
  let match;
  if (req.method === "GET" && (match = /^\/models\/(m-\d+)$/.exec(url.pathname))) {
    const n = Number(match[1].slice(2));
    return json(
      res,
      200,
      { name: match[1], latest_version: n % 7, owner_id: String(n % USERS), description: DESCRIPTION },
      { "cache-control": "max-age=10" },
    );
  }
  if (req.method === "POST" && (match = /^\/models\/(m-\d+)\/predict$/.exec(url.pathname))) {
    const inputs = JSON.parse(body).inputs ?? [];
    return json(res, 200, { model: match[1], scores: inputs.map((x) => x / 2) });
  }
  if (req.method === "GET" && url.pathname === "/models") {
    // The abuser's lists: `first` items, or one per id (small items, no description).
    const ids = url.searchParams.getAll("ids");
    const names =
      ids.length > 0 ? ids : Array.from({ length: Math.min(5000, Number(url.searchParams.get("first")) || 0) }, (_, i) => `m-${i}`);
    return json(
      res,
      200,
      names.map((name) => ({ name })),
    );
  }
  if (req.method === "GET" && (match = /^\/models\/(m-\d+)\/latest$/.exec(url.pathname))) {
    return json(res, 200, { version: Number(match[1].slice(2)) % 7 });
  }
  if (req.method === "GET" && url.pathname === "/runs") {
    const page = Number(url.searchParams.get("page"));
    return json(
      res,
      200,
      Array.from({ length: 20 }, (_, i) => ({ id: `${page}-${i}`, user_id: String((page * 7 + i * 13) % USERS) })),
    );
  }
  if (req.method === "GET" && url.pathname === "/users") {
    const ids = (url.searchParams.get("ids") ?? "").split(",");
    return json(
      res,
      200,
      ids.map((id) => ({ id, name: `user ${id}` })),
    );
  }
  return json(res, 404, { detail: "not found" });
}

function json(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
  return status;
}

// ---------------------------------------------------------------------------------------------
// Trestle in a child process, talked to over IPC.

function startTrestleChild(upstreamUrl, dist, breaker) {
  const child = fork(new URL(import.meta.url), ["--child"], {
    execArgv: ["--expose-gc"],
    env: { ...process.env, SOAK_UPSTREAM_URL: upstreamUrl, SOAK_DIST: dist, SOAK_BREAKER: breaker, NODE_ENV: "production" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let next = 0;
  const waiting = new Map();
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`soak: Trestle exited early (${code}); is dist/ built? run npm run build`)));
    child.on("message", (message) => {
      if (message.type === "listening") {
        resolve({
          pid: child.pid,
          port: message.port,
          stats: (options) =>
            new Promise((done) => {
              const id = next++;
              waiting.set(id, done);
              child.send({ type: "stats", id, gc: options.gc });
            }),
          stop: () =>
            new Promise((done) => {
              child.removeAllListeners("exit");
              child.once("exit", done);
              child.send({ type: "stop" });
            }),
        });
      } else if (message.type === "stats") {
        waiting.get(message.id)?.(message.stats);
        waiting.delete(message.id);
      }
    });
  });
}

async function runTrestle() {
  const dist = process.env.SOAK_DIST ? new URL(`file://${resolvePath(process.env.SOAK_DIST)}/`) : new URL("../dist/", import.meta.url);
  const { createTrestle } = await import(new URL("index.js", dist).href);
  const url = process.env.SOAK_UPSTREAM_URL;
  let calls = 0;
  const trestle = await createTrestle({
    schema: /* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "${url}", naming: SNAKE_CASE, timeoutMs: 1000,
                              ${breakerArgument(process.env.SOAK_BREAKER)}
                              headers: [{ name: "x-tenant", from: "x-tenant" }],
                              passthrough: { methods: [GET, POST], paths: ["/models/*", "/models/*/predict"] })
      type Query {
        model(name: String!): Model @rest(path: "/models/{args.name}")
        runs(page: Int!): [Run!]! @rest(path: "/runs?page={args.page}")
        # For --abuse: a header rendered from an argument, and lists sized by the client.
        labelled(name: String!, label: String!): Model @rest(path: "/models/{args.name}", headers: [{ name: "x-label", value: "{args.label}" }])
        models(first: Int!): [Model!]! @rest(path: "/models?first={args.first}")
        modelsByIds(ids: [String!]!): [Model!]! @rest(path: "/models?ids={args.ids}")
      }
      type Mutation {
        predict(model: String!, input: PredictInput!): Prediction @rest(method: POST, path: "/models/{args.model}/predict", body: "{args.input}")
      }
      input PredictInput { inputs: [Float!]! }
      type Model {
        name: String!
        latestVersion: Int
        description: String
        owner: User @rest(path: "/users/{parent.owner_id}", batch: { path: "/users?ids={keys}", key: "id", maxSize: 50 })
        latest: Version @rest(path: "/models/{parent.name}/latest")
      }
      type Version { version: Int }
      type Run { id: ID!, user: User @rest(path: "/users/{parent.user_id}", batch: { path: "/users?ids={keys}", key: "id", maxSize: 50 }) }
      type User { id: ID!, name: String }
      type Prediction { model: String, scores: [Float!] }
    `,
    env: {},
    logging: false,
    cache: { maxSize: CACHE_MAX_SIZE },
    // Runs once per upstream call (after the cache, before retries): calls vs attempts.
    onUpstreamRequest: () => {
      calls++;
    },
  });
  const server = createServer((req, res) => void trestle.handle(req, res));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.on("message", async (message) => {
    if (message.type === "stop") {
      server.closeAllConnections();
      server.close();
      await trestle.close();
      process.exit(0);
    }
    if (message.type !== "stats") return;
    if (message.gc) {
      globalThis.gc?.();
      await new Promise((resolve) => setImmediate(resolve));
      globalThis.gc?.();
    }
    const memory = process.memoryUsage();
    const handles = {};
    for (const name of process.getActiveResourcesInfo()) handles[name] = (handles[name] ?? 0) + 1;
    const stats = {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      external: memory.external,
      calls,
      cache: { size: trestle.cache.size, calculatedSize: trestle.cache.calculatedSize, maxSize: trestle.cache.maxSize },
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
      handles,
    };
    loop.reset();
    process.send({ type: "stats", id: message.id, stats });
  });
  // The orchestrator gone (killed, crashed): nothing is left running.
  process.once("disconnect", () => process.exit(0));
  process.send({ type: "listening", port: server.address().port });
}

// ---------------------------------------------------------------------------------------------
// The report.

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

const round = (n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const mib = (bytes) => round(bytes / 1024 / 1024, 1);

function buildReport({ seconds, concurrency, results, start, atStop, end, samples, upstream, abuse }) {
  const measured = results.total - (results.byKind["refused"] ?? 0);
  const errors = Object.entries(results.byCode).filter(([code]) => code !== "ok" && !code.startsWith("refused: "));
  const errorCount = errors.reduce((sum, [, n]) => sum + n, 0);
  // Calls (Trestle's, one per cache miss or write) against the attempts the upstream saw, by phase.
  const callsByPhase = { healthy: 0, flapping: 0 };
  let previous = { t: 0, calls: start.calls };
  for (const sample of [...samples, { t: Math.round(seconds), calls: atStop.calls }]) {
    callsByPhase[phaseAt(previous.t * 1000 + 1)] += sample.calls - previous.calls;
    previous = sample;
  }
  const calls = atStop.calls - start.calls;
  const attempts = upstream.attempts.healthy + upstream.attempts.flapping;
  return {
    seconds: round(seconds),
    concurrency,
    requests: results.total,
    perSecond: round(results.total / seconds),
    byKind: results.byKind,
    outcomes: Object.fromEntries(Object.entries(results.byCode).sort((a, b) => b[1] - a[1])),
    errorRate: round((errorCount / Math.max(1, measured)) * 100, 2),
    errorRateByCode: Object.fromEntries(
      errors.sort((a, b) => b[1] - a[1]).map(([code, n]) => [code, round((n / Math.max(1, measured)) * 100, 2)]),
    ),
    latencyMs: {
      all: summarize(results.latency),
      healthy: summarize(results.latencyByPhase.healthy),
      flapping: summarize(results.latencyByPhase.flapping),
    },
    trestle: {
      rssMiB: {
        start: mib(start.rss),
        atStop: mib(atStop.rss),
        end: mib(end.rss),
        peak: mib(Math.max(start.rss, end.rss, ...samples.map((s) => s.rss))),
      },
      heapUsedMiB: { start: mib(start.heapUsed), atStop: mib(atStop.heapUsed), end: mib(end.heapUsed) },
      rssTimelineMiB: samples.filter((s) => seconds <= 120 || s.t % 30 === 0).map((s) => [s.t, mib(s.rss)]),
      cache: end.cache,
      loopDelayP99Ms: round(Math.max(...samples.map((s) => s.loopDelayP99Ms), 0)),
      handles: { start: start.handles, end: end.handles },
    },
    upstream: {
      calls,
      attempts,
      ratio: round(attempts / Math.max(1, calls), 3),
      healthy: {
        calls: callsByPhase.healthy,
        attempts: upstream.attempts.healthy,
        ratio: round(upstream.attempts.healthy / Math.max(1, callsByPhase.healthy), 3),
      },
      flapping: {
        calls: callsByPhase.flapping,
        attempts: upstream.attempts.flapping,
        ratio: round(upstream.attempts.flapping / Math.max(1, callsByPhase.flapping), 3),
      },
      answered: upstream.answered,
    },
    abuse: abuse === undefined ? undefined : summarizeAbuse(abuse, seconds),
  };
}

function summarizeAbuse(abuse, seconds) {
  const ok = Object.entries(abuse.byCode)
    .filter(([key]) => key.endsWith(": ok"))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    requests: abuse.total,
    perSecond: round(abuse.total / seconds),
    byKind: abuse.byKind,
    outcomes: Object.fromEntries(Object.entries(abuse.byCode).sort((a, b) => b[1] - a[1])),
    servedRate: round((ok / Math.max(1, abuse.total)) * 100, 2),
    latencyMs: Object.fromEntries(Object.entries(abuse.latencyByKind).map(([kind, values]) => [kind, summarize(values)])),
    stalls: { opened: abuse.stalls.opened, outcomes: abuse.stalls.answered, heldMs: summarize(abuse.stalls.heldMs) },
  };
}

function printReport(r) {
  const pct = (n) => `${round((n / r.requests) * 100, 1)} %`;
  const lines = [
    "",
    `requests        ${r.requests} in ${r.seconds} s (${r.perSecond}/s), ${r.concurrency} workers`,
    `by kind         ${Object.entries(r.byKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
    `outcomes        ${Object.entries(r.outcomes)
      .map(([code, n]) => `${code} ${n} (${pct(n)})`)
      .join(", ")}`,
    `error rate      ${r.errorRate} % of non-refused requests: ${
      Object.entries(r.errorRateByCode)
        .map(([c, p]) => `${c} ${p} %`)
        .join(", ") || "none"
    }`,
    `latency (ms)    all p50 ${r.latencyMs.all.p50} p99 ${r.latencyMs.all.p99} max ${r.latencyMs.all.max}; healthy p50 ${r.latencyMs.healthy.p50} p99 ${r.latencyMs.healthy.p99}; flapping p50 ${r.latencyMs.flapping.p50} p99 ${r.latencyMs.flapping.p99}`,
    `Trestle RSS     start ${r.trestle.rssMiB.start} MiB, at stop ${r.trestle.rssMiB.atStop} MiB, end ${r.trestle.rssMiB.end} MiB (peak sampled ${r.trestle.rssMiB.peak} MiB)`,
    `RSS timeline    ${r.trestle.rssTimelineMiB.map(([t, m]) => `${t}s:${m}`).join(" ")}`,
    `heapUsed (gc)   start ${r.trestle.heapUsedMiB.start} MiB, at stop ${r.trestle.heapUsedMiB.atStop} MiB, end ${r.trestle.heapUsedMiB.end} MiB`,
    `cache           calculatedSize ${r.trestle.cache.calculatedSize} of maxSize ${r.trestle.cache.maxSize} bytes (${r.trestle.cache.size} entries)`,
    `event loop      worst 5 s p99 delay ${r.trestle.loopDelayP99Ms} ms`,
    `handles         start ${JSON.stringify(r.trestle.handles.start)}, end ${JSON.stringify(r.trestle.handles.end)}`,
    `upstream        ${r.upstream.attempts} attempts for ${r.upstream.calls} calls (${r.upstream.ratio}x); healthy ${r.upstream.healthy.attempts}/${r.upstream.healthy.calls} (${r.upstream.healthy.ratio}x), flapping ${r.upstream.flapping.attempts}/${r.upstream.flapping.calls} (${r.upstream.flapping.ratio}x)`,
    `upstream status ${JSON.stringify(r.upstream.answered)}`,
  ];
  if (r.abuse !== undefined) {
    const a = r.abuse;
    lines.push(
      "",
      "the numbers above are the normal traffic's alone; the abusive client's:",
      `abuse requests  ${a.requests} (${a.perSecond}/s): ${Object.entries(a.byKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}; served ${a.servedRate} %`,
      `abuse outcomes  ${Object.entries(a.outcomes)
        .map(([code, n]) => `${code} ${n}`)
        .join(", ")}`,
      `abuse latency   ${Object.entries(a.latencyMs)
        .map(([kind, l]) => `${kind} p50 ${l.p50} p99 ${l.p99} max ${l.max}`)
        .join("; ")} (ms)`,
      `stalled uploads ${a.stalls.opened} opened; ${Object.entries(a.stalls.outcomes)
        .map(([o, n]) => `${o} ${n}`)
        .join(", ")}; held p50 ${a.stalls.heldMs.p50} ms, max ${a.stalls.heldMs.max} ms`,
    );
  }
  console.log(lines.join("\n"));
}

// Last, so that every constant above is initialised before either role runs.
if (process.argv.includes("--child")) await runTrestle();
else await runSoak();

/** The soak's `@upstream(breaker:)`: the default, off, or by failure rate ("rate:0.6"). */
function breakerArgument(mode) {
  if (mode === "off") return "breaker: { failures: 0 },";
  if (mode?.startsWith("rate:")) return `breaker: { failureRate: ${Number(mode.slice(5))} },`;
  return "";
}
