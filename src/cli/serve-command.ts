import { randomBytes } from "node:crypto";
import cluster from "node:cluster";
import { createServer, type Server } from "node:http";
import { parseArgs } from "node:util";
import type { CorsOptions } from "../config/trestle-options.js";
import { hasWildcardOrigin, loopbackOrigins } from "../http/cors-policy.js";
import { formatDiagnostic } from "../errors.js";
import { checkSchema } from "../sdl/check-schema.js";
import { defaultServeTimeouts, serveDefaults, type ServeTimeouts } from "../plan/serve-defaults.js";
import { createTrestle, type Trestle } from "../trestle.js";
import type { CliIo } from "./cli-io.js";
import { readUploadFlags, uploadFlagsUsage } from "./read-upload-flags.js";
import { readWorkerCount, runWorkers } from "./serve-workers.js";
import { setupTracing } from "./setup-tracing.js";
import { createServeLogger } from "../logging/create-serve-logger.js";

export { defaultServeTimeouts, type ServeTimeouts };

const s = (ms: number) => `${ms / 1000} s`;

export const serveUsage = `Usage: trestle serve [options]

  --schema DIR            a folder of .graphql files, or a file (default: ${serveDefaults.schema})
  --port N                the port to listen on; 0 picks a free one (default: ${serveDefaults.port})
  --host HOST             the address to listen on (default: ${serveDefaults.host})
  --prefix /bff           serve every route under this path (default: none)
  --debug                 upstream calls and error details in answers: never where clients are untrusted
  --demo                  start the bundled demo upstream when DEMO_API_URL is unset (npm start)
  --operations DIR        serve the named operations of DIR's .graphql files as REST endpoints
                          (/api/<name>, OpenAPI 3.1 at /api/openapi.json) and MCP tools (/mcp)
  --drain-timeout MS      on SIGTERM/SIGINT, wait this long for in-flight requests, then cut them
                          (default: ${serveDefaults.drainTimeoutMs})
  --cors ORIGIN           allow this browser origin, credentials included; repeatable; '*' allows any
                          origin without credentials (default: http://localhost:* and http://127.0.0.1:*
                          without credentials; none when NODE_ENV=production)
  --forwarded-host HOST   a public host whose name passthrough may forward upstream; repeatable
  --trusted-proxy IP|CIDR a proxy whose X-Forwarded-For / Forwarded chain passthrough continues; repeatable
${uploadFlagsUsage}
  --workers N|auto        N worker processes on one port (auto: one per core); purges reach every worker,
                          /metrics covers them all, a worker that dies is replaced (default: one process)
  --redis URL             a Redis shared by every replica as the cache's second tier (default: TRESTLE_REDIS_URL,
                          else none); Redis down or slow never fails a request (docs/scaling.md)
  --log-level LEVEL       one JSON line per request on stdout, and Trestle's messages, at this level or above:
                          trace, debug, info, warn, error, fatal or silent (default: TRESTLE_LOG_LEVEL, else info)
  --no-metrics            no /metrics route, no metrics recorded
  -h, --help              show this help

Routes: /graphql (POST and GET; GraphiQL in a browser unless NODE_ENV=production), /rest/<upstream>/*,
/healthz, /readyz, /metrics. A client has ${s(defaultServeTimeouts.headersTimeoutMs)} to send its headers and ${s(defaultServeTimeouts.requestTimeoutMs)} for its whole request.
Docs: docs/cli.md`;

/** `trestle dev`'s watcher: started once the server listens with the paths to watch (schema, operations); returns its stop. */
export type ServingHook = (trestle: Trestle, watched: string[]) => Promise<() => Promise<void>>;

/**
 * `trestle serve`: one node:http server over `trestle.handle`. With `--demo` (what `npm start`
 * passes) and no DEMO_API_URL set, the bundled demo upstream is started first and the schema's
 * `{env.DEMO_API_URL}` points at it.
 */
export async function runServe(args: readonly string[], io: CliIo, serving?: ServingHook): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      schema: { type: "string", default: serveDefaults.schema },
      port: { type: "string", default: String(serveDefaults.port) },
      host: { type: "string", default: serveDefaults.host },
      prefix: { type: "string", default: "" },
      debug: { type: "boolean", default: false },
      demo: { type: "boolean", default: false },
      operations: { type: "string" },
      "drain-timeout": { type: "string", default: String(serveDefaults.drainTimeoutMs) },
      "forwarded-host": { type: "string", multiple: true, default: [] },
      "trusted-proxy": { type: "string", multiple: true, default: [] },
      cors: { type: "string", multiple: true, default: [] },
      "max-file-bytes": { type: "string" },
      "max-files": { type: "string" },
      workers: { type: "string" },
      redis: { type: "string" },
      "log-level": { type: "string" },
      "no-metrics": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(serveUsage);
    return 0;
  }
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
  const uploads = readUploadFlags(values);
  if (typeof uploads === "string") {
    io.stderr(uploads);
    return 1;
  }
  const workers = values.workers === undefined ? undefined : readWorkerCount(values.workers);
  if (values.workers !== undefined && workers === undefined) {
    io.stderr(`trestle serve: --workers must be a number from 1 to 1024 or "auto", received "${values.workers}"`);
    return 1;
  }
  const env = { ...io.env };
  const logger = createServeLogger(values["log-level"], env, (line) => io.stdout(line));
  if (typeof logger === "string") {
    io.stderr(logger);
    return 1;
  }
  const closers: Array<() => Promise<void>> = [];
  const redisUrl = values.redis ?? (env["TRESTLE_REDIS_URL"] || undefined);
  if (values.demo && !env["DEMO_API_URL"]) {
    const { startDemoUpstream } = await import("../demo/demo-upstream.js");
    const demo = await startDemoUpstream({ port: 4010 }).catch(() => startDemoUpstream({ port: 0 }));
    env["DEMO_API_URL"] = demo.url;
    closers.push(() => demo.close());
    io.stdout(`demo upstream (AI platform REST API) listening on ${demo.url} — set DEMO_API_URL to use a real service instead`);
  }
  if (workers !== undefined && cluster.isPrimary) {
    // The primary builds no Trestle: it checks the schema once, then forks the workers (serve-workers.ts).
    const diagnostics = await checkSchema(values.schema, { cwd: io.cwd, env });
    for (const diagnostic of diagnostics) io.stderr(formatDiagnostic(diagnostic));
    if (diagnostics.some((diagnostic) => diagnostic.severity === "error")) return 1;
    const demoUrl = env["DEMO_API_URL"];
    const banner = (bound: number, pids: readonly number[]) =>
      `trestle serving ${values.schema} at http://${values.host}:${bound}${values.prefix}/graphql with ${workers} workers (pids ${pids.join(", ")})` +
      `\n  health: /healthz, readiness: /readyz, metrics: /metrics (all workers)`;
    const workerEnv: Record<string, string> = demoUrl ? { DEMO_API_URL: demoUrl } : {};
    // Without a cursor secret each worker would draw its own key, and a next page landing on
    // another worker would refuse the cursor: the workers share one key drawn here.
    if (!env["TRESTLE_CURSOR_SECRET"]) workerEnv["TRESTLE_CURSOR_SECRET"] = randomBytes(32).toString("base64url");
    return runWorkers({ count: workers, drainMs, env: workerEnv, banner, closers }, io);
  }
  const passthrough = { forwardedHosts: values["forwarded-host"], trustedProxies: values["trusted-proxy"] };
  const production = env["NODE_ENV"] === "production";
  const cors = serveCors(values.cors, production);
  const trestle = await createTrestle({
    schema: values.schema,
    cwd: io.cwd,
    env,
    prefix: values.prefix,
    debug: values.debug,
    passthrough,
    cors,
    uploads,
    logger,
    metrics: !values["no-metrics"],
    ...(values.operations === undefined ? {} : { operations: values.operations }),
    ...(redisUrl === undefined ? {} : { cache: { redis: { url: redisUrl } } }),
  });
  closers.unshift(() => trestle.close());
  // OpenTelemetry traces when the OTEL_* variables ask for them (docs/telemetry.md): the last spans exported once closed.
  const tracing = await setupTracing(env, io);
  if (tracing !== undefined) closers[0] = () => trestle.close().then(tracing.shutdown);
  // The schema built, so only warnings are left: the same lines `trestle check` prints.
  // (A worker of --workers leaves them, and the banner, to its primary.)
  for (const diagnostic of cluster.isWorker ? [] : await checkSchema(values.schema, { cwd: io.cwd, env })) {
    if (diagnostic.severity === "warning") io.stderr(formatDiagnostic(diagnostic));
  }
  const server = createServeServer(trestle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, values.host, resolve);
  });
  const address = server.address();
  const base = `http://${values.host}:${typeof address === "object" && address ? address.port : port}${values.prefix}`;
  // One write, so that a reader of the first line has the second too.
  const graphiql = production ? "GraphiQL off: NODE_ENV=production" : "GraphiQL in a browser at the same URL";
  const operations =
    values.operations === undefined
      ? ""
      : `\n  operations of ${values.operations}: ${base}/api/<name> (OpenAPI at ${base}/api/openapi.json), MCP tools at ${base}/mcp`;
  if (!cluster.isWorker)
    io.stdout(
      `trestle serving ${values.schema} at ${base}/graphql (${graphiql})\n  health: ${base}/healthz, readiness: ${base}/readyz, metrics: ${base}/metrics${operations}`,
    );
  if (serving !== undefined)
    closers.unshift(await serving(trestle, [values.schema, ...(values.operations === undefined ? [] : [values.operations])]));

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
    // A worker drains when its primary says so (SIGTERM), then exits: its IPC channel would keep it alive.
    if (cluster.isWorker) process.on("SIGINT", () => undefined);
    else process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  }).then((code) => (cluster.isWorker ? process.exit(code) : code));
}

/**
 * `trestle serve`'s CORS: `--cors ORIGIN…` (repeatable, or comma-separated) allows those origins,
 * with credentials when every one is explicit; `--cors '*'` any origin, without credentials.
 * Without `--cors`, loopback origins (`http://localhost:*`, `http://127.0.0.1:*`) without
 * credentials outside production, and none in production.
 */
export function serveCors(values: readonly string[], production: boolean): CorsOptions | false {
  const origins = values
    .flatMap((value) => value.split(","))
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
  if (origins.length === 0) return production ? false : { origin: loopbackOrigins };
  return { origin: origins, credentials: !hasWildcardOrigin(origins) };
}

/**
 * The node:http server of `trestle serve`, every request to `trestle.handle`. Node's own
 * defaults (60 s for headers, 300 s for a request, checked every 30 s) let a slowloris client
 * hold a socket for up to 90 s; here a late client gets 408 and its connection closed. Headers
 * over 16 KiB are 431 (Node's `maxHeaderSize`), and Node's parser refuses smuggling shapes
 * (CL+TE, duplicate Content-Length, obfuscated Transfer-Encoding, bare LF) with 400 before
 * any handler runs.
 */
export function createServeServer(
  trestle: Pick<Trestle, "handle" | "upgrade">,
  timeouts: Readonly<ServeTimeouts> = defaultServeTimeouts,
): Server {
  const options = {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    connectionsCheckingInterval: timeouts.checkIntervalMs,
  };
  const server = createServer(options, (req, res) => {
    // trestle.handle answers its own errors. Should it still reject (a bug, or a client gone
    // mid-body), answer 500 or cut the connection: an unhandled rejection would end the process.
    trestle.handle(req, res).catch(() => {
      if (!res.headersSent)
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end("Internal Server Error");
      else res.destroy();
    });
  });
  // GraphQL over WebSocket on /graphql: an upgraded socket leaves the timeouts above behind.
  trestle.upgrade(server);
  return server;
}
