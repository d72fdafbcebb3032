// One Trestle instance for bench/streams.mjs, in its own process (forked, with an IPC channel):
// createTrestle from TRESTLE_DIR's dist/, a node:http server with trestle.handle and
// trestle.upgrade (GraphQL over SSE and over WebSocket on /graphql). Sends { ready, port }
// once listening; answers "stats" with its RSS, heap and process.cpuUsage() (started with
// --expose-gc, "stats-gc" collects garbage first).
import { createServer } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { TRESTLE_DIR, UPSTREAM_URL, MAX_STREAMS, MAX_SUBSCRIPTIONS } = process.env;
const { createTrestle } = await import(pathToFileURL(join(TRESTLE_DIR, "dist", "index.js")).href);

const schema = `
  extend schema @upstream(name: "llm", baseUrl: "${UPSTREAM_URL}", timeoutMs: 30000, maxStreams: ${MAX_STREAMS})
  type Query { ping: String }
  type Token { content: String }
  type Subscription {
    generate(model: String!, prompt: String!, tokens: Int = 1, intervalMs: Int = 0): Token
      @rest(
        upstream: "llm"
        method: POST
        path: "/models/{args.model}/generate"
        body: "{\\"prompt\\": {args.prompt}, \\"tokens\\": {args.tokens}, \\"interval_ms\\": {args.intervalMs}, \\"stream\\": true}"
        stream: { format: SSE, select: "choices.0.delta", done: "[DONE]" }
      )
  }`;

const trestle = await createTrestle({ schema, logging: false, limits: { maxSubscriptions: Number(MAX_SUBSCRIPTIONS) } });
const server = createServer((req, res) => void trestle.handle(req, res));
server.keepAliveTimeout = 60_000;
trestle.upgrade(server);
server.listen(0, "127.0.0.1", () => process.send({ ready: true, port: server.address().port }));

// "stats": RSS and CPU as they are; "stats-gc": after a full garbage collection (what is retained).
process.on("message", (message) => {
  if (message !== "stats" && message !== "stats-gc") return;
  if (message === "stats-gc") globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.send({ stats: { rss, heapUsed, cpu: process.cpuUsage() } });
});
process.on("disconnect", () => process.exit(0));
