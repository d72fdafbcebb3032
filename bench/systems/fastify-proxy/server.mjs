// @fastify/http-proxy in front of the upstream, as its README shows: every request under
// /rest/bench goes to the upstream with the prefix stripped (the same route shape as
// Trestle's passthrough).
import Fastify from "fastify";
import proxy from "@fastify/http-proxy";

const app = Fastify({ logger: false });
await app.register(proxy, {
  upstream: process.env.UPSTREAM_URL ?? "http://127.0.0.1:4100",
  prefix: "/rest/bench",
  http2: false,
});
const port = Number(process.env.PORT ?? 4000);
await app.listen({ port, host: "127.0.0.1" });
console.log(`fastify-proxy ready on http://127.0.0.1:${port}/rest/bench`);
