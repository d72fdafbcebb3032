import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { trestleHono } from "../../src/index.js";
import { start } from "../../examples/hono/server.js";
import { describeConformance } from "./conformance.js";
import { createDemoTrestle, listen, userIdFrom } from "./demo-trestle.js";

describeConformance("Hono 4: examples/hono (trestleHono middleware on @hono/node-server)", {
  start: (demoApiUrl) => start(0, demoApiUrl),
  hostRoute: "/hello",
});

describeConformance('Hono 4: plain app.all("/bff/*", (c) => trestle.fetch(c.req.raw))', {
  hostRoute: "/hello",
  start: async (demoApiUrl) => {
    const trestle = await createDemoTrestle(demoApiUrl, (request) => ({ userId: userIdFrom(request.headers.get("authorization")) }));
    const app = new Hono();
    app.get("/hello", (c) => c.json({ hello: "hono" }));
    app.all("/bff/*", (c) => trestle.fetch(c.req.raw));
    return listen(serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server, trestle);
  },
});

// Hono keeps the text it parsed, so even a body read before Trestle goes upstream byte for byte.
describeConformance("Hono 4: trestleHono after a middleware that already read the JSON body (c.req.json())", {
  hostRoute: "/hello",
  start: async (demoApiUrl) => {
    const trestle = await createDemoTrestle(demoApiUrl, (request) => ({ userId: userIdFrom(request.headers.get("authorization")) }));
    const app = new Hono();
    app.use(async (c, next) => {
      if (c.req.header("content-type")?.startsWith("application/json")) await c.req.json(); // a validator would
      await next();
    });
    app.get("/hello", (c) => c.json({ hello: "hono" }));
    app.use(trestleHono(trestle));
    return listen(serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server, trestle);
  },
});
