import Fastify from "fastify";
import { start } from "../../examples/fastify/server.js";
import { describeConformance } from "./conformance.js";
import { createDemoTrestle, listen, userIdFrom } from "./demo-trestle.js";

describeConformance("Fastify 5: examples/fastify (trestleFastify plugin; Fastify parses JSON bodies)", {
  start: (demoApiUrl) => start(0, demoApiUrl),
  hostRoute: "/hello",
  passthroughBody: "reserialized",
});

describeConformance("Fastify 5: plain trestle.handle(request.raw, reply.raw) after reply.hijack(), in an onRequest hook", {
  hostRoute: "/hello",
  start: async (demoApiUrl) => {
    const trestle = await createDemoTrestle(demoApiUrl, (request) => ({ userId: userIdFrom(request.headers.get("authorization")) }));
    const app = Fastify();
    app.addHook("onRequest", async (request, reply) => {
      if (!trestle.owns(request.url)) return;
      reply.hijack();
      await trestle.handle(request.raw, reply.raw);
    });
    app.get("/hello", async () => ({ hello: "fastify" }));
    await app.ready();
    return listen(app.server, trestle);
  },
});
