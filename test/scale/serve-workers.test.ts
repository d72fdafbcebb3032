import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runServe } from "../../src/cli/serve-command.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

/**
 * `trestle serve --workers 2`, spawned as a user runs it (bin/trestle.js, the built dist/):
 * one port, purges relayed between workers over the cluster's IPC, /metrics for the whole
 * server, a killed worker replaced, SIGTERM drains every worker and exits 0.
 */
const schema = /* GraphQL */ `
  extend schema @upstream(name: "api", baseUrl: "{env.API_URL}", retry: { attempts: 0 })
  type Query {
    item(id: String!): Item @rest(upstream: "api", path: "/items/{args.id}") @cache(maxAge: 60)
    items(first: Int, after: String): ItemConnection
      @rest(upstream: "api", path: "/list", paginate: { style: OFFSET, items: "items", limit: "limit", offset: "offset" })
  }
  type ItemConnection {
    edges: [ItemEdge!]!
    pageInfo: PageInfo!
  }
  type ItemEdge {
    cursor: String!
    node: Item
  }
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type Mutation {
    rename(id: String!): Item @rest(upstream: "api", method: PUT, path: "/items/{args.id}")
  }
  type Item {
    id: String
    version: Int
  }
`;

let upstream: TestUpstream;
let schemaDir: string;
let version = 1;
/** While set, reads of /items/slow wait for it. */
let hold: Promise<void> | undefined;

beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    if (req.method === "PUT") version++;
    if (req.url === "/items/slow") await hold;
    if (req.url.startsWith("/list")) {
      const offset = Number(new URL(req.url, "http://x").searchParams.get("offset") ?? 0);
      return sendJson(res, 200, { items: [0, 1, 2, 3, 4, 5].slice(offset, offset + 2).map((i) => ({ id: `i${i}`, version })) });
    }
    sendJson(res, 200, { id: req.url.split("/")[2], version });
  });
  schemaDir = await mkdtemp(join(tmpdir(), "trestle-workers-"));
  await writeFile(join(schemaDir, "schema.graphql"), schema);
});
afterAll(() => upstream.close());

interface Served {
  child: ChildProcess;
  port: number;
  pids: number[];
  output(): string;
  exited: Promise<number | null>;
}

const running: Served[] = [];
afterAll(() => {
  for (const served of running.splice(0)) if (served.child.exitCode === null) served.child.kill("SIGKILL");
});

async function startWorkers(): Promise<Served> {
  const child = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", schemaDir, "--port", "0", "--workers", "2"], {
    env: { ...process.env, API_URL: upstream.url, NODE_ENV: "test" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const served: Served = { child, port: 0, pids: [], output: () => output, exited };
  running.push(served);
  await until(
    () => /with 2 workers \(pids \d+, \d+\)/.test(output),
    "both workers listening",
    () => output,
  );
  const match = /127\.0\.0\.1:(\d+)\/graphql with 2 workers \(pids (\d+), (\d+)\)/.exec(output)!;
  served.port = Number(match[1]);
  served.pids = [Number(match[2]), Number(match[3])];
  return served;
}

/** One request on a connection of its own, so that the cluster hands each to the next worker in turn. */
function send(port: number, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: body === undefined ? "GET" : "POST",
        agent: false,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const graphql = (port: number, document: string) => send(port, "/graphql", JSON.stringify({ query: document }));
const readItem = async (port: number, id: string) =>
  (JSON.parse((await graphql(port, `{ item(id: "${id}") { version } }`)).text) as { data: { item: { version: number } } }).data.item
    .version;
const calls = (path: string) => upstream.requests.filter((r) => r.url === path && r.method === "GET").length;

async function until(condition: () => boolean | Promise<boolean>, what: string, show: () => string = () => ""): Promise<void> {
  // Bounded by time, not by tries: starting a worker takes seconds on a loaded machine.
  for (const end = Date.now() + 45_000; Date.now() < end;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}\n${show()}`);
}

describe("trestle serve --workers 2", () => {
  // One server for both tests (starting workers is the slow part): the second ends it.
  let served: Served;
  beforeAll(async () => {
    served = await startWorkers();
  }, 60_000);

  it("R08: answers on one port; a write on one worker purges the other's cache; /metrics counts both workers", async () => {
    // Each worker reads /items/w once, then both hold it.
    await until(async () => (await readItem(served.port, "w")) > 0 && calls("/items/w") >= 2, "both workers hold /items/w");
    for (let i = 0; i < 4; i++) expect(await readItem(served.port, "w")).toBe(version);
    expect(calls("/items/w")).toBe(2);
    const before = version;
    expect(
      (
        await graphql(
          served.port,
          `
            mutation {
              rename(id: "w") {
                version
              }
            }
          `,
        )
      ).status,
    ).toBe(200);
    expect(version).toBe(before + 1);
    // Without the relay, the worker that did not write would serve version `before` for 60 s.
    await until(async () => {
      const seen = await Promise.all([0, 1, 2, 3].map(() => readItem(served.port, "w")));
      return seen.every((v) => v === before + 1);
    }, "every worker serving the new version");

    const graphqlCount = (text: string) => Number(/trestle_http_requests_total\{route="graphql",status="200"\} (\d+)/.exec(text)?.[1] ?? 0);
    const first = graphqlCount((await send(served.port, "/metrics")).text);
    const second = graphqlCount((await send(served.port, "/metrics")).text);
    // Both scrapes (one per worker) count every GraphQL request of both workers.
    expect(first).toBe(second);
    await readItem(served.port, "w");
    await readItem(served.port, "w");
    expect(graphqlCount((await send(served.port, "/metrics")).text)).toBe(first + 2);
  }, 60_000);

  it("R08: without a cursor secret the workers share one key: a page cursor made by one worker is read by the other", async () => {
    const page = async (after: string | null) => {
      const answer = JSON.parse(
        (
          await graphql(
            served.port,
            `{ items(first: 1${after === null ? "" : `, after: ${JSON.stringify(after)}`}) { edges { cursor node { id } } } }`,
          )
        ).text,
      ) as { data?: { items: { edges: Array<{ cursor: string; node: { id: string } }> } }; errors?: unknown };
      return answer;
    };
    const first = await page(null);
    const cursor = first.data!.items.edges[0]!.cursor;
    // Four requests on connections of their own: the cluster hands them to both workers in turn.
    for (let i = 0; i < 4; i++)
      expect(await page(cursor)).toEqual({ data: { items: { edges: [{ cursor: expect.any(String), node: { id: "i1" } }] } } });
  }, 60_000);

  it("R09: a killed worker is replaced and logged; SIGTERM drains every worker, lets the request in flight finish, exits 0", async () => {
    process.kill(served.pids[0]!, "SIGKILL");
    await until(() => served.output().includes(`worker ${served.pids[0]} exited (SIGKILL); starting a new one`), "the death logged");
    await until(() => /trestle: worker \d+ listening/.test(served.output()), "a new worker listening", served.output);
    for (let i = 0; i < 4; i++) expect((await send(served.port, "/healthz")).status).toBe(200);

    let release: () => void = () => undefined;
    hold = new Promise<void>((resolve) => (release = resolve));
    const slow = graphql(
      served.port,
      `
        {
          item(id: "slow") {
            version
          }
        }
      `,
    );
    await until(() => calls("/items/slow") === 1, "the slow read upstream");
    served.child.kill("SIGTERM");
    await until(() => served.output().includes("SIGTERM received, draining 2 workers"), "the primary draining");
    release();
    hold = undefined;
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ data: { item: { version } } });
    expect(await served.exited).toBe(0);
    expect(served.output()).toMatch(/trestle: stopped\s*$/);
  }, 60_000);
});

describe("trestle serve --workers and --redis, bad values", () => {
  it("R10: a bad --workers is refused naming the value; nothing is started", async () => {
    for (const value of ["0", "two", "-1", "1025", "1.5", "", "auto "]) {
      const err: string[] = [];
      const code = await runServe(["--schema", schemaDir, "--port", "0", `--workers=${value}`], {
        stdout: () => undefined,
        stderr: (line) => err.push(line),
        env: { API_URL: upstream.url },
        cwd: process.cwd(),
      });
      expect(code).toBe(1);
      expect(err.join("\n")).toContain(`--workers must be a number from 1 to 1024 or "auto", received "${value}"`);
    }
  });

  it("R10: a bad --redis (or TRESTLE_REDIS_URL) is CONFIG_INVALID before anything listens", async () => {
    const io = { stdout: () => undefined, stderr: () => undefined, cwd: process.cwd() };
    await expect(
      runServe(["--schema", schemaDir, "--port", "0", "--redis", "http://x"], { ...io, env: { API_URL: upstream.url } }),
    ).rejects.toThrow(/cache\.redis\.url must be a redis:\/\/ or rediss:\/\/ URL/);
    await expect(
      runServe(["--schema", schemaDir, "--port", "0"], { ...io, env: { API_URL: upstream.url, TRESTLE_REDIS_URL: "localhost:6379" } }),
    ).rejects.toThrow(/received "localhost:6379"/);
  });
});
