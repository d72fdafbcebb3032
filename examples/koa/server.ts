// Trestle as Koa 3 middleware, after the app's own auth and body parser, beside its routes.
// Run: npm start (the demo REST API on :4010), then npx tsx examples/koa/server.ts
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { bodyParser } from "@koa/bodyparser";
import Koa, { type Context } from "koa";
import { createTrestle, trestleKoa } from "../../src/index.js";

export async function start(port = 3000, demoApiUrl = process.env["DEMO_API_URL"] ?? "http://127.0.0.1:4010") {
  const trestle = await createTrestle({
    schema: fileURLToPath(new URL("../../schema/", import.meta.url)),
    prefix: "/bff",
    // The app's user reaches the upstream as a header, through a {context.X} template.
    upstreams: { ml: { baseUrl: demoApiUrl, headers: [{ name: "x-user-id", value: "{context.userId}" }] } },
    context: (_request, { framework }) => ({ userId: (framework as Context | undefined)?.state["userId"] }),
  });
  const app = new Koa();
  app.use(async (ctx, next) => {
    // The app's own auth: "Bearer user-3" is user 3.
    ctx.state["userId"] = /^Bearer user-(\d+)$/.exec(ctx.get("authorization"))?.[1];
    await next();
  });
  app.use(bodyParser()); // Trestle uses the parsed ctx.request.body
  app.use(trestleKoa(trestle));
  app.use(async (ctx) => {
    if (ctx.path === "/hello") ctx.body = { hello: "from koa" };
  });
  const server = app.listen(port, "127.0.0.1");
  await once(server, "listening");
  const { port: bound } = server.address() as { port: number };
  const close = async () => {
    const closed = new Promise((resolve) => server.close(resolve)); // stop accepting first
    await trestle.close(); // then let in-flight requests finish
    await closed;
  };
  return { url: `http://127.0.0.1:${bound}`, close };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`Koa on ${(await start()).url}, Trestle at /bff/graphql`);
