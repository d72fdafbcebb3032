// Trestle as a Fastify 5 plugin, behind the app's own auth hook and beside its routes.
// Run: npm start (the demo REST API on :4010), then npx tsx examples/fastify/server.ts
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyRequest } from "fastify";
import { createTrestle, trestleFastify } from "../../src/index.js";

type AuthedRequest = FastifyRequest & { userId?: string };

export async function start(port = 3000, demoApiUrl = process.env["DEMO_API_URL"] ?? "http://127.0.0.1:4010") {
  const trestle = await createTrestle({
    schema: fileURLToPath(new URL("../../schema/", import.meta.url)),
    prefix: "/bff",
    // The app's user reaches the upstream as a header, through a {context.X} template.
    upstreams: { ml: { baseUrl: demoApiUrl, headers: [{ name: "x-user-id", value: "{context.userId}" }] } },
    context: (_request, { framework }) => ({ userId: (framework as AuthedRequest | undefined)?.userId }),
  });
  const app = Fastify();
  app.addHook("onRequest", async (request: AuthedRequest) => {
    // The app's own auth: "Bearer user-3" is user 3.
    const userId = /^Bearer user-(\d+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (userId !== undefined) request.userId = userId;
  });
  app.get("/hello", async () => ({ hello: "from fastify" }));
  await app.register(trestleFastify(trestle)); // Fastify parses JSON bodies; Trestle uses them
  await app.listen({ port, host: "127.0.0.1" });
  const { port: bound } = app.server.address() as { port: number };
  const close = async () => {
    const closed = app.close(); // stop accepting first
    await trestle.close(); // then let in-flight requests finish
    await closed;
  };
  return { url: `http://127.0.0.1:${bound}`, close };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`Fastify on ${(await start()).url}, Trestle at /bff/graphql`);
