// The benchmark upstream: a plain node:http REST service with deterministic data, batch
// endpoints, Cache-Control on GETs, an inference-style POST /predict, an optional fixed
// delay per request and a request counter.
//
//   PORT=4100 DELAY_MS=5 CACHE_MODE=no-store node upstream/server.mjs
//
// Control routes (never counted, never delayed):
//   GET  /__stats   -> { total, byRoute }
//   POST /__reset   -> zeroes the counters
//   POST /__config  {"delayMs": 5, "cacheMode": "public" | "no-store"} -> the new config
import { createServer } from "node:http";
import { createData, predict } from "./data.mjs";
import { buildOpenApi } from "./openapi.mjs";

const config = {
  delayMs: Number(process.env.DELAY_MS ?? 0),
  cacheMode: process.env.CACHE_MODE === "no-store" ? "no-store" : "public",
};
const data = createData();
// Each record is serialised once; lists are joined from these strings.
const serialised = {
  users: mapValues(data.users, (value) => JSON.stringify(value)),
  teams: mapValues(data.teams, (value) => JSON.stringify(value)),
  posts: mapValues(data.posts, (value) => JSON.stringify(value)),
};
const postIds = [...data.posts.keys()];
const stats = { total: 0, byRoute: {} };
let openApiText = "";

const server = createServer((request, response) => {
  const url = request.url ?? "/";
  const queryStart = url.indexOf("?");
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  if (path.startsWith("/__")) return control(request, response, path);
  const route = routeOf(request.method, path);
  stats.total += 1;
  stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
  const answer = () => {
    if (request.method === "POST") return readBody(request, (body) => send(response, handle(request.method, path, url, queryStart, body)));
    send(response, handle(request.method, path, url, queryStart, ""));
  };
  if (config.delayMs > 0) setTimeout(answer, config.delayMs);
  else answer();
});

function handle(method, path, url, queryStart, body) {
  const segments = path.split("/");
  const collection = segments[1];
  const query = new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1));
  if (method === "GET") {
    if (path === "/openapi.json") return { status: 200, text: openApiText, cache: "public, max-age=300" };
    const table = serialised[collection];
    if (table === undefined) return notFound();
    if (segments.length === 3) {
      const text = table.get(decodeURIComponent(segments[2]));
      return text === undefined ? notFound() : { status: 200, text, cache: cacheControl() };
    }
    if (segments.length !== 2) return notFound();
    if (collection === "posts") {
      const limit = clamp(Number(query.get("limit") ?? 50), 1, 500);
      const offset = clamp(Number(query.get("offset") ?? 0), 0, postIds.length);
      const ids = postIds.slice(offset, offset + limit);
      return { status: 200, text: `[${ids.map((id) => table.get(id)).join(",")}]`, cache: cacheControl() };
    }
    // Batch: ?ids=1,2,3 or ?ids=1&ids=2; answered in the order asked, unknown ids left out.
    const ids = query
      .getAll("ids")
      .flatMap((value) => value.split(","))
      .filter((id) => id !== "");
    if (ids.length === 0) return { status: 400, text: JSON.stringify({ detail: "ids is required" }), cache: "no-store" };
    const found = ids.map((id) => table.get(id)).filter((text) => text !== undefined);
    return { status: 200, text: `[${found.join(",")}]`, cache: cacheControl() };
  }
  if (method === "POST" && path === "/predict") {
    let input;
    try {
      input = JSON.parse(body);
    } catch {
      return { status: 400, text: JSON.stringify({ detail: "Invalid JSON" }), cache: "no-store" };
    }
    if (typeof input?.text !== "string") return { status: 422, text: JSON.stringify({ detail: "text is required" }), cache: "no-store" };
    return { status: 200, text: JSON.stringify(predict(input)), cache: "no-store" };
  }
  return { status: 405, text: JSON.stringify({ detail: "Method Not Allowed" }), cache: "no-store" };
}

function control(request, response, path) {
  if (path === "/__stats") return send(response, { status: 200, text: JSON.stringify({ ...stats, config }), cache: "no-store" });
  if (path === "/__reset" && request.method === "POST") {
    stats.total = 0;
    stats.byRoute = {};
    return send(response, { status: 200, text: "{}", cache: "no-store" });
  }
  if (path === "/__config" && request.method === "POST") {
    return readBody(request, (body) => {
      const next = JSON.parse(body || "{}");
      if (next.delayMs !== undefined) config.delayMs = Number(next.delayMs);
      if (next.cacheMode !== undefined) config.cacheMode = next.cacheMode === "no-store" ? "no-store" : "public";
      send(response, { status: 200, text: JSON.stringify(config), cache: "no-store" });
    });
  }
  send(response, notFound());
}

function routeOf(method, path) {
  const segments = path.split("/");
  if (method === "POST") return `POST ${path}`;
  return segments.length === 3 ? `GET /${segments[1]}/:id` : `GET /${segments[1] ?? ""}`;
}

function cacheControl() {
  return config.cacheMode === "no-store" ? "no-store" : "public, max-age=60";
}

function send(response, { status, text, cache }) {
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": cache,
  });
  response.end(text);
}

function notFound() {
  return { status: 404, text: JSON.stringify({ detail: "Not Found" }), cache: "no-store" };
}

function readBody(request, callback) {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => callback(Buffer.concat(chunks).toString("utf8")));
}

function clamp(value, min, max) {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.trunc(value))) : min;
}

function mapValues(map, fn) {
  return new Map([...map].map(([key, value]) => [key, fn(value)]));
}

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 4100), "127.0.0.1", () => {
  const { port } = server.address();
  openApiText = JSON.stringify(buildOpenApi(`http://127.0.0.1:${port}`));
  console.log(`upstream ready on http://127.0.0.1:${port} (delay ${config.delayMs} ms, cache ${config.cacheMode})`);
});
