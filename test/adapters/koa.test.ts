import { bodyParser } from "@koa/bodyparser";
import Koa from "koa";
import { start } from "../../examples/koa/server.js";
import { describeConformance } from "./conformance.js";
import { createDemoTrestle, listen, userIdFrom } from "./demo-trestle.js";

// trestleKoa sends the text @koa/bodyparser kept (ctx.request.rawBody): byte for byte.
describeConformance("Koa 3: examples/koa (@koa/bodyparser first, trestleKoa)", {
  start: (demoApiUrl) => start(0, demoApiUrl),
  hostRoute: "/hello",
});

for (const parsed of [false, true]) {
  const how = parsed ? "after bodyParser({ patchNode: true }), which leaves req.body" : "no body parser";
  describeConformance(`Koa 3: plain trestle.handle(ctx.req, ctx.res) with ctx.respond = false, ${how}`, {
    hostRoute: "/hello",
    passthroughBody: parsed ? "reserialized" : "exact",
    start: async (demoApiUrl) => {
      const trestle = await createDemoTrestle(demoApiUrl, (request) => ({ userId: userIdFrom(request.headers.get("authorization")) }));
      const app = new Koa();
      if (parsed) app.use(bodyParser({ patchNode: true }));
      app.use(async (ctx, next) => {
        if (!trestle.owns(ctx.url)) return next();
        ctx.respond = false;
        await trestle.handle(ctx.req, ctx.res);
      });
      app.use(async (ctx) => {
        if (ctx.path === "/hello") ctx.body = { hello: "koa" };
      });
      return listen(app.listen(), trestle);
    },
  });
}
