import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Issue 24, item 3: `trestle serve` logs one JSON line per request on stdout, by default; LG13–LG14.
const root = fileURLToPath(new URL("../../", import.meta.url));
const secret = "s3cr3t-serve-HHHH";
let upstream: TestUpstream;
let dir: string;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) =>
    req.url.startsWith("/fail") ? sendJson(res, 503, {}) : sendJson(res, 200, { name: "Ada" }),
  );
  dir = mkdtempSync(join(tmpdir(), "trestle-logs-"));
  writeFileSync(
    join(dir, "schema.graphql"),
    `extend schema @upstream(name: "api", baseUrl: "{env.API_URL}", headers: [{ name: "x-api-key", value: "{env.API_KEY}" }], passthrough: { paths: ["/users/**"] })
     type Query { user(id: ID!): User @rest(path: "/users/{args.id}?key={env.API_KEY}") failing: User @rest(path: "/fail") }
     type User { name: String }`,
  );
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `trestle serve` as a child process (bin/trestle.js, the built CLI), its stdout read line by line. */
async function startServe(args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    [join(root, "bin/trestle.js"), "serve", "--schema", join(dir, "schema.graphql"), "--port", "0", ...args],
    {
      cwd: root,
      env: { ...process.env, API_URL: upstream.url, API_KEY: secret, NODE_ENV: "development", TRESTLE_LOG_LEVEL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  const waiters: Array<() => void> = [];
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  const until = <T>(found: () => T | undefined): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value !== undefined) resolve(value);
        else waiters.push(check);
      };
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${stdout}`)));
      check();
    });
  const base = await until(() => /serving .* at (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(stdout)?.[1]);
  const jsonLines = () => stdout.split("\n").filter((line) => line.startsWith("{"));
  return {
    base,
    stdout: () => stdout,
    /** Resolves once `n` request lines are on stdout. */
    requestLines: (n: number) =>
      until(() => {
        const lines = jsonLines()
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((line) => line["route"] !== undefined);
        return lines.length >= n ? lines : undefined;
      }),
    stop: async () => {
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      return code;
    },
  };
}

describe("trestle serve logs", () => {
  it("LG13: one JSON line per request on stdout by default (GraphQL, passthrough, an upstream failure), none holding a secret", async () => {
    const serve = await startServe([]);
    try {
      expect((await fetch(`${serve.base}/metrics`)).status).toBe(200);
      const graphql = await fetch(`${serve.base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}`, cookie: `sid=${secret}` },
        body: JSON.stringify({ query: "query One($id: ID!) { user(id: $id) { name } }", variables: { id: secret } }),
      });
      expect(graphql.status).toBe(200);
      const rest = await fetch(`${serve.base}/rest/api/users/${secret}?token=${secret}`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(rest.status).toBe(200);
      await rest.text();
      const failing = await fetch(`${serve.base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "query Failing { failing { name } }" }),
      });
      await failing.text();
      const lines = await serve.requestLines(4);
      expect(lines.find((line) => line["route"] === "graphql" && line["operation"] === "One")).toMatchObject({
        level: 30,
        status: 200,
        calls: 1,
      });
      expect(lines.find((line) => line["route"] === "passthrough")).toMatchObject({ upstream: "api", status: 200 });
      expect(lines.find((line) => line["operation"] === "Failing")).toMatchObject({ level: 40, code: "UPSTREAM_ERROR" });
      expect(lines.find((line) => line["route"] === "health")).toMatchObject({ method: "GET", status: 200 });
      expect(upstream.requests.some((r) => r.url.includes(secret))).toBe(true);
      expect(serve.stdout()).not.toContain(secret);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it("LG13: --log-level warn keeps the failures only (TRESTLE_LOG_LEVEL is overridden by the flag); --no-metrics leaves /metrics out", async () => {
    const serve = await startServe(["--log-level", "warn", "--no-metrics"], { TRESTLE_LOG_LEVEL: "debug" });
    try {
      // --no-metrics: no /metrics route (the rest of the health routes stay).
      expect((await fetch(`${serve.base}/metrics`)).status).toBe(404);
      expect((await fetch(`${serve.base}/healthz`)).status).toBe(200);
      for (const query of ['{ user(id: "1") { name } }', "query Failing { failing { name } }"]) {
        await (
          await fetch(`${serve.base}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query }),
          })
        ).text();
      }
      const [line, ...more] = await serve.requestLines(1);
      expect(line).toMatchObject({ level: 40, operation: "Failing" });
      // The info line of the first request, answered before the second, was never written.
      expect(more).toEqual([]);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it("LG14: an unknown level is refused with the levels it takes, flag or variable", async () => {
    const io = () => {
      const err: string[] = [];
      return {
        err,
        io: {
          stdout: () => undefined,
          stderr: (text: string) => err.push(text),
          cwd: dir,
          env: { API_URL: upstream.url } as NodeJS.ProcessEnv,
        },
      };
    };
    const flag = io();
    expect(await main(["serve", "--schema", "schema.graphql", "--log-level", "verbose"], flag.io)).toBe(1);
    expect(flag.err.join("\n")).toBe(
      'trestle serve: --log-level must be one of trace, debug, info, warn, error, fatal, silent, received "verbose"',
    );
    const variable = io();
    variable.io.env["TRESTLE_LOG_LEVEL"] = "LOUD";
    expect(await main(["serve", "--schema", "schema.graphql"], variable.io)).toBe(1);
    expect(variable.err.join("\n")).toContain(
      'TRESTLE_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, received "LOUD"',
    );
  });
});
