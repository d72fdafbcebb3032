import { createServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { describeConformance } from "./conformance.js";
import { listen } from "./demo-trestle.js";

/**
 * Next.js itself is not installed (too heavy for this suite): a small stand-in for the App
 * Router serves the example's route modules over HTTP exactly as Next calls them, one exported
 * function per method taking the Request. It also checks the contract Next enforces: a real
 * `Response` comes back.
 */
describeConformance("Next.js route handlers: examples/next (trestleNext in app/bff/[...trestle]/route.ts)", {
  hostRoute: "/hello",
  start: async (demoApiUrl) => {
    process.env["DEMO_API_URL"] = demoApiUrl;
    const { trestle } = await import("../../examples/next/lib/trestle.js");
    const bff = await import("../../examples/next/app/bff/[...trestle]/route.js");
    const hello = await import("../../examples/next/app/hello/route.js");
    delete process.env["DEMO_API_URL"];
    const listener = getRequestListener(async (request) => {
      const { pathname } = new URL(request.url);
      const route: Record<string, ((request: Request) => Response | Promise<Response>) | undefined> = pathname.startsWith("/bff/")
        ? bff
        : pathname === "/hello"
          ? hello
          : {};
      const handler = route[request.method];
      const response = handler === undefined ? new Response("Not Found", { status: 404 }) : await handler(request);
      if (!(response instanceof Response)) throw new Error("Next.js requires route handlers to return a Response");
      return response;
    });
    return listen(createServer(listener), await trestle);
  },
});
