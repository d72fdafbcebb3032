// Trestle in a plain node:http server: trestle.handle answers its routes, next() gets the rest.
// Run: npm start (the demo REST API on :4010), then npx tsx examples/node-http/server.ts
import { createServer, type IncomingMessage } from "node:http";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createTrestle } from "../../src/index.js";

type AuthedRequest = IncomingMessage & { userId?: string };

export async function start(port = 3000, demoApiUrl = process.env["DEMO_API_URL"] ?? "http://127.0.0.1:4010") {
  const trestle = await createTrestle({
    schema: fileURLToPath(new URL("../../schema/", import.meta.url)),
    prefix: "/bff",
    // The app's user reaches the upstream as a header, through a {context.X} template.
    upstreams: { ml: { baseUrl: demoApiUrl, headers: [{ name: "x-user-id", value: "{context.userId}" }] } },
    context: (_request, { req }) => ({ userId: (req as AuthedRequest | undefined)?.userId }),
  });
  const server = createServer((req: AuthedRequest, res) => {
    // The app's own auth: "Bearer user-3" is user 3.
    const userId = /^Bearer user-(\d+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (userId !== undefined) req.userId = userId;
    void trestle.handle(req, res, () => {
      // The app's own routes.
      const hello = req.url === "/hello";
      res.writeHead(hello ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(hello ? { hello: "from node:http" } : { error: "not found" }));
    });
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const { port: bound } = server.address() as { port: number };
  const close = async () => {
    const closed = new Promise((resolve) => server.close(resolve)); // stop accepting first
    await trestle.close(); // then let in-flight requests finish
    await closed;
  };
  return { url: `http://127.0.0.1:${bound}`, close };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`node:http on ${(await start()).url}, Trestle at /bff/graphql`);
