import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { createTrestle } from "../trestle.js";
import type { CliIo } from "./main.js";

/**
 * `trestle serve`: one node:http server over `trestle.handle`. With `--demo` (what `npm start`
 * passes) and no DEMO_API_URL set, the bundled demo upstream is started first and the schema's
 * `{env.DEMO_API_URL}` points at it.
 */
export async function runServe(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      schema: { type: "string", default: "schema/" },
      port: { type: "string", default: "4000" },
      host: { type: "string", default: "127.0.0.1" },
      prefix: { type: "string", default: "" },
      debug: { type: "boolean", default: false },
      demo: { type: "boolean", default: false },
      "drain-timeout": { type: "string", default: "10000" },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`trestle serve: --port must be a number from 0 to 65535, received "${values.port}"`);
    return 1;
  }
  const drainMs = Number(values["drain-timeout"]);
  if (!Number.isInteger(drainMs) || drainMs < 0) {
    io.stderr(`trestle serve: --drain-timeout must be milliseconds (0 or more), received "${values["drain-timeout"]}"`);
    return 1;
  }
  const env = { ...io.env };
  const closers: Array<() => Promise<void>> = [];
  if (values.demo && !env["DEMO_API_URL"]) {
    const { startDemoUpstream } = await import("../demo/demo-upstream.js");
    const demo = await startDemoUpstream({ port: 4010 }).catch(() => startDemoUpstream({ port: 0 }));
    env["DEMO_API_URL"] = demo.url;
    closers.push(() => demo.close());
    io.stdout(`demo upstream (AI platform REST API) listening on ${demo.url} — set DEMO_API_URL to use a real service instead`);
  }
  const trestle = await createTrestle({ schema: values.schema, cwd: io.cwd, env, prefix: values.prefix, debug: values.debug });
  closers.unshift(() => trestle.close());
  const server = createServer((req, res) => void trestle.handle(req, res));
  // Slowloris and slow bodies (A21, A22): a client gets 10 s for its headers, 30 s in all.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, values.host, resolve);
  });
  const address = server.address();
  const base = `http://${values.host}:${typeof address === "object" && address ? address.port : port}${values.prefix}`;
  io.stdout(`trestle serving ${values.schema} at ${base}/graphql (health: ${base}/healthz, readiness: ${base}/readyz)`);

  // Graceful shutdown: stop accepting, let in-flight requests finish for up to --drain-timeout
  // ms, then cut what is left, close the upstream pools and exit 0.
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      io.stdout(`trestle: ${signal} received, draining in-flight requests (up to ${drainMs} ms)`);
      server.close();
      server.closeIdleConnections();
      const deadline = setTimeout(() => {
        io.stdout("trestle: drain deadline reached, closing the remaining connections");
        server.closeAllConnections();
        resolve(0);
        // Upstream calls still in flight hold sockets open; the process is done all the same.
        setTimeout(() => process.exit(0), 1_000).unref();
      }, drainMs);
      void Promise.all(closers.map((close) => close())).then(() => {
        clearTimeout(deadline);
        io.stdout("trestle: stopped");
        resolve(0);
      });
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
