// Trestle mounted in an Express 5 app, beside the app's own auth and routes.
// Run: npm start (the demo REST API on :4010), then npx tsx examples/express/server.ts
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import express, { type Request } from "express";
import { createTrestle, trestleExpress } from "../../src/index.js";

type AuthedRequest = Request & { userId?: string };

export async function start(port = 3000, demoApiUrl = process.env["DEMO_API_URL"] ?? "http://127.0.0.1:4010") {
  const trestle = await createTrestle({
    schema: fileURLToPath(new URL("../../schema/", import.meta.url)),
    prefix: "/bff",
    // The app's user reaches the upstream as a header, through a {context.X} template.
    upstreams: { ml: { baseUrl: demoApiUrl, headers: [{ name: "x-user-id", value: "{context.userId}" }] } },
    context: (_request, { req }) => ({ userId: (req as AuthedRequest | undefined)?.userId }),
  });
  const app = express();
  app.use((req: AuthedRequest, _res, next) => {
    // The app's own auth: "Bearer user-3" is user 3.
    const userId = /^Bearer user-(\d+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (userId !== undefined) req.userId = userId;
    next();
  });
  app.get("/hello", (_req, res) => void res.json({ hello: "from express" }));
  app.use(express.json()); // Trestle uses the parsed req.body
  app.use(trestleExpress(trestle));
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, "127.0.0.1", () => resolve(listening));
  });
  const { port: bound } = server.address() as { port: number };
  const close = async () => {
    const closed = new Promise((resolve) => server.close(resolve)); // stop accepting first
    await trestle.close(); // then let in-flight requests finish
    await closed;
  };
  return { url: `http://127.0.0.1:${bound}`, close };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`Express on ${(await start()).url}, Trestle at /bff/graphql`);
