// Trestle as Hono 4 middleware on @hono/node-server, after the app's auth, beside its routes.
// Run: npm start (the demo REST API on :4010), then npx tsx examples/hono/server.ts
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { createTrestle, trestleHono } from "../../src/index.js";

type AppEnv = { Variables: { userId: string | undefined } };

export async function start(port = 3000, demoApiUrl = process.env["DEMO_API_URL"] ?? "http://127.0.0.1:4010") {
  const trestle = await createTrestle({
    schema: fileURLToPath(new URL("../../schema/", import.meta.url)),
    prefix: "/bff",
    // The app's user reaches the upstream as a header, through a {context.X} template.
    upstreams: { ml: { baseUrl: demoApiUrl, headers: [{ name: "x-user-id", value: "{context.userId}" }] } },
    context: (_request, { framework }) => ({ userId: (framework as Context<AppEnv> | undefined)?.get("userId") }),
  });
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    // The app's own auth: "Bearer user-3" is user 3.
    c.set("userId", /^Bearer user-(\d+)$/.exec(c.req.header("authorization") ?? "")?.[1]);
    await next();
  });
  app.get("/hello", (c) => c.json({ hello: "from hono" }));
  app.use(trestleHono(trestle)); // or, with no adapter: app.all("/bff/*", (c) => trestle.fetch(c.req.raw))
  const server = await new Promise<Server>((resolve) => {
    const listening = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(listening as Server));
  });
  const { port: bound } = server.address() as { port: number };
  const close = async () => {
    const closed = new Promise((resolve) => server.close(resolve)); // stop accepting first
    await trestle.close(); // then let in-flight requests finish
    await closed;
  };
  return { url: `http://127.0.0.1:${bound}`, close };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`Hono on ${(await start()).url}, Trestle at /bff/graphql`);
