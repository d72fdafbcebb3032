// The Trestle instance of a Next.js app (App Router); app/bff/[...trestle]/route.ts serves it.
// Next.js runs it as is; the tests import the route module and call its handlers.
import { fileURLToPath } from "node:url";
import { createTrestle } from "../../../src/index.js";

export const trestle = createTrestle({
  schema: fileURLToPath(new URL("../../../schema/", import.meta.url)),
  prefix: "/bff",
  // The app's user reaches the upstream as a header, through a {context.X} template.
  upstreams: {
    ml: {
      baseUrl: process.env["DEMO_API_URL"] ?? "http://127.0.0.1:4010",
      headers: [{ name: "x-user-id", value: "{context.userId}" }],
    },
  },
  // Next.js has no request object to decorate: auth is read from the request itself.
  context: (request) => ({ userId: /^Bearer user-(\d+)$/.exec(request.headers.get("authorization") ?? "")?.[1] }),
});
