import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { createGate } from "../helpers/gate.js";
import { query } from "../helpers/graphql.js";
import { hitsOf, sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle } from "../passthrough/raw-http.js";
import { openClient, run } from "../streams/ws-client.js";

// trestle.reload(): a good schema serves the requests that arrive after it, a broken one changes
// nothing and answers its diagnostics, requests already running finish on their schema.

let dir: string;
let upstream: TestUpstream;
let trestle: Trestle | undefined;
let gate = createGate();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "trestle-reload-"));
  gate = createGate();
  upstream = await startTestUpstream(async (req, res) => {
    if (req.url === "/slow") await gate.opened;
    sendJson(res, 200, { name: `answer of ${req.url}` }, { "cache-control": "max-age=60" });
  });
});
afterEach(async () => {
  gate.open();
  await trestle?.close();
  trestle = undefined;
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

const schemaFile = () => join(dir, "schema.graphql");
const sdl = (fields: string, baseUrl = upstream.url) => `
  extend schema @upstream(name: "api", baseUrl: "${baseUrl}")
  type Thing { name: String }
  type Query {
    ${fields}
  }`;
async function start(fields: string): Promise<Trestle> {
  await writeFile(schemaFile(), sdl(fields));
  trestle = await createTestTrestle(dir);
  return trestle;
}

describe("#25 reload: trestle.reload()", () => {
  it("DV01: a good schema replaces the old one: the new field is served, the removed one is gone, trestle.schema is the new one", async () => {
    const t = await start(`one: Thing @rest(path: "/one")`);
    expect((await query(t, "{ one { name } }")).data).toEqual({ one: { name: "answer of /one" } });
    await writeFile(schemaFile(), sdl(`two: Thing @rest(path: "/two")`));
    expect(await t.reload()).toEqual([]);
    expect((await query(t, "{ two { name } }")).data).toEqual({ two: { name: "answer of /two" } });
    const gone = await query(t, "{ one { name } }");
    expect(gone.status).toBe(400);
    expect(gone.errors?.[0]?.message).toContain('Cannot query field "one"');
    expect(Object.keys(t.schema.getQueryType()!.getFields())).toEqual(["two"]);
  });

  it("DV02: a broken schema returns its diagnostics (file:line:col) and the last good schema keeps serving", async () => {
    const t = await start(`one: Thing @rest(path: "/one")`);
    const broken = [
      `one: Thing @rest(path: "/one"`, // a syntax error
      `one: Thing @rest(path: "/one", upstream: "nowhere")`, // an unknown upstream
      `one: Thing @rest(path: "/{args.missing}")`, // a template naming no argument
    ];
    for (const fields of broken) {
      await writeFile(schemaFile(), sdl(fields));
      const diagnostics = await t.reload();
      const errors = diagnostics.filter((d) => d.severity === "error");
      expect(errors.length, fields).toBeGreaterThan(0);
      expect(errors[0]!.file).toBe(schemaFile().replace(`${process.cwd()}/`, ""));
      expect(errors[0]!.line).toBeGreaterThan(0);
      expect((await query(t, "{ one { name } }")).data).toEqual({ one: { name: "answer of /one" } });
      expect(Object.keys(t.schema.getQueryType()!.getFields())).toEqual(["one"]);
    }
  });

  it("DV03: a schema folder that cannot be read is a diagnostic too, and the old schema keeps serving", async () => {
    const t = await start(`one: Thing @rest(path: "/one")`);
    await rm(dir, { recursive: true, force: true });
    const [diagnostic] = await t.reload();
    expect(diagnostic).toMatchObject({ severity: "error", line: 0 });
    expect(diagnostic!.message).toContain(dir);
    expect((await query(t, "{ one { name } }")).data).toEqual({ one: { name: "answer of /one" } });
  });

  it("DV04: a request in flight when the reload lands finishes on the schema it started with; the next one sees the new schema", async () => {
    const t = await start(`slow: Thing @rest(path: "/slow")`);
    const before = query(t, "{ slow { name } }");
    await upstream.waitForRequests(1);
    await writeFile(schemaFile(), sdl(`fresh: Thing @rest(path: "/fresh")`));
    expect(await t.reload()).toEqual([]);
    expect((await query(t, "{ fresh { name } }")).data).toEqual({ fresh: { name: "answer of /fresh" } });
    gate.open();
    expect(await before).toMatchObject({ status: 200, data: { slow: { name: "answer of /slow" } } });
  });

  it("DV05: an unchanged upstream keeps its cache entries (no second upstream call); a changed one's are purged", async () => {
    const t = await start(`one: Thing @rest(path: "/one")`);
    await query(t, "{ one { name } }");
    expect(hitsOf(upstream, "/one")).toBe(1);
    // Another field, the same upstream: the cached answer of /one is served.
    await writeFile(schemaFile(), sdl(`one: Thing @rest(path: "/one")\n    other: Thing @rest(path: "/other")`));
    expect(await t.reload()).toEqual([]);
    expect((await query(t, "{ one { name } }")).data).toEqual({ one: { name: "answer of /one" } });
    expect(hitsOf(upstream, "/one")).toBe(1);
    // The upstream itself changes (a header): a new client, its entries gone.
    await writeFile(
      schemaFile(),
      sdl(`one: Thing @rest(path: "/one")`).replace(
        `baseUrl: "${upstream.url}"`,
        `baseUrl: "${upstream.url}", headers: [{ name: "x-v", value: "2" }]`,
      ),
    );
    expect(await t.reload()).toEqual([]);
    expect((await query(t, "{ one { name } }")).data).toEqual({ one: { name: "answer of /one" } });
    expect(hitsOf(upstream, "/one")).toBe(2);
    expect(upstream.requests.at(-1)!.headers["x-v"]).toBe("2");
  });

  it("DV06: an upstream moved to another base URL is called there after the reload, passthrough included", async () => {
    const other = await startTestUpstream((req, res) => sendJson(res, 200, { name: `other ${req.url}` }));
    try {
      await writeFile(schemaFile(), sdl(`one: Thing @rest(path: "/one")`).replace(`")`, `", passthrough: { paths: ["/**"] })`));
      const t = (trestle = await createTestTrestle(dir));
      const passthrough = () => t.fetch(new Request("http://trestle.test/rest/api/one")).then((r) => r.json());
      expect(await passthrough()).toEqual({ name: "answer of /one" });
      await writeFile(schemaFile(), sdl(`one: Thing @rest(path: "/one")`, other.url).replace(`")`, `", passthrough: { paths: ["/**"] })`));
      expect(await t.reload()).toEqual([]);
      expect((await query(t, "{ one { name } }")).data).toEqual({ one: { name: "other /one" } });
      expect(await passthrough()).toEqual({ name: "other /one" });
    } finally {
      await other.close();
    }
  });

  it("DV15: a request in flight to an upstream the reload removes finishes; the upstream is then gone (cache.purge names the new list)", async () => {
    await writeFile(
      schemaFile(),
      sdl(`one: Thing @rest(upstream: "api", path: "/one")`) +
        `\nextend schema @upstream(name: "old", baseUrl: "${upstream.url}")\nextend type Query { slow: Thing @rest(upstream: "old", path: "/slow") }`,
    );
    const t = (trestle = await createTestTrestle(dir));
    const inFlight = query(t, "{ slow { name } }");
    await upstream.waitForRequests(1);
    await writeFile(schemaFile(), sdl(`one: Thing @rest(path: "/one")`));
    expect(await t.reload()).toEqual([]);
    expect(() => t.cache.purge("old")).toThrow(/no upstream named "old" \(upstreams: api\)/);
    gate.open();
    expect(await inFlight).toMatchObject({ status: 200, data: { slow: { name: "answer of /slow" } } });
    expect((await query(t, "{ one { name } }")).data).toEqual({ one: { name: "answer of /one" } });
  });

  it("DV16: a changed upstream's old pool is closed once nothing runs on the old schema: its kept-alive connection ends", async () => {
    // An upstream that keeps connections alive for a minute, so only Trestle's close can end one now.
    const sockets: Socket[] = [];
    const server = createServer((_req, res) => sendJson(res, 200, { name: "kept" }));
    server.keepAliveTimeout = 60_000;
    server.on("connection", (socket: Socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await writeFile(schemaFile(), sdl(`one: Thing @rest(path: "/one")`, url));
      const t = (trestle = await createTestTrestle(dir));
      expect((await query(t, "{ one { name } }")).data).toEqual({ one: { name: "kept" } });
      expect(sockets).toHaveLength(1);
      const closed = new Promise<void>((resolve) => sockets[0]!.once("close", () => resolve()));
      await writeFile(schemaFile(), sdl(`one: Thing @rest(path: "/one")`, url).replace(`")`, `", timeoutMs: 4000)`));
      expect(await t.reload()).toEqual([]);
      await closed;
      expect((await query(t, "{ one { name } }")).data).toEqual({ one: { name: "kept" } });
      expect(sockets).toHaveLength(2);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("DV17: a WebSocket query running across a reload that changes its upstream makes its next call on the old pool and succeeds", async () => {
    const nested = (header: string) => `
      extend schema @upstream(name: "api", baseUrl: "${upstream.url}", headers: [{ name: "x-v", value: "${header}" }])
      type Thing { name: String, friend: Thing @rest(path: "/friend") }
      type Query { slow: Thing @rest(path: "/slow") }`;
    await writeFile(schemaFile(), nested("1"));
    const t = (trestle = await createTestTrestle(dir));
    const server = createServer((req, res) => void t.handle(req, res));
    t.upgrade(server);
    const served = await serveTrestle(t, server);
    const client = openClient(`ws://127.0.0.1:${served.port}/graphql`);
    try {
      const running = run(client, "{ slow { name friend { name } } }");
      await upstream.waitForRequests(1);
      await writeFile(schemaFile(), nested("2"));
      expect(await t.reload()).toEqual([]);
      gate.open();
      expect(await running).toEqual({ results: [{ data: { slow: { name: "answer of /slow", friend: { name: "answer of /friend" } } } }] });
      // Both calls went out as the old schema says.
      expect(upstream.requests.map((r) => [r.url, r.headers["x-v"]])).toEqual([
        ["/slow", "1"],
        ["/friend", "1"],
      ]);
    } finally {
      await client.dispose();
      await served.close();
    }
  });

  it("DV07: concurrent reload() calls run one after another; each returns its own diagnostics and the last good schema serves", async () => {
    const t = await start(`one: Thing @rest(path: "/one")`);
    await writeFile(schemaFile(), sdl(`two: Thing @rest(path: "/two")`));
    const results = await Promise.all([t.reload(), t.reload(), t.reload()]);
    expect(results).toEqual([[], [], []]);
    expect((await query(t, "{ two { name } }")).data).toEqual({ two: { name: "answer of /two" } });
  });

  it("DV08: the operations folder reloads too: a new operation is served at /api, a broken one is a diagnostic and the old ones keep serving", async () => {
    const operations = join(dir, "..", `${dir.split("/").at(-1)}-ops`);
    await import("node:fs/promises").then((fs) => fs.mkdir(operations));
    try {
      await writeFile(schemaFile(), sdl(`one: Thing @rest(path: "/one")\n    two: Thing @rest(path: "/two")`));
      await writeFile(join(operations, "first.graphql"), "query First { one { name } }");
      const t = (trestle = await createTestTrestle(dir, { operations }));
      const api = (name: string) => t.fetch(new Request(`http://trestle.test/api/${name}`));
      expect(await (await api("First")).json()).toEqual({ one: { name: "answer of /one" } });
      await writeFile(join(operations, "second.graphql"), "query Second { two { name } }");
      expect(await t.reload()).toEqual([]);
      expect(await (await api("Second")).json()).toEqual({ two: { name: "answer of /two" } });
      await writeFile(join(operations, "third.graphql"), "query Third { three { name } }");
      const [error] = await t.reload();
      expect(error).toMatchObject({ severity: "error", line: 1 });
      expect(error!.file).toContain("third.graphql");
      expect(error!.message).toContain("three");
      expect((await api("Third")).status).toBe(404);
      expect(await (await api("First")).json()).toEqual({ one: { name: "answer of /one" } });
    } finally {
      await rm(operations, { recursive: true, force: true });
    }
  });

  it("DV09: reload() after close() is refused with a clear error", async () => {
    const t = await start(`one: Thing @rest(path: "/one")`);
    await t.close();
    trestle = undefined;
    await expect(t.reload()).rejects.toThrow(/reload\(\) was called after trestle\.close\(\)/);
  });

  it("DV10: over node:http too, a request after the reload is served by the new schema", async () => {
    const t = await start(`one: Thing @rest(path: "/one")`);
    const served = await serveTrestle(t);
    try {
      await writeFile(schemaFile(), sdl(`two: Thing @rest(path: "/two")`));
      await t.reload();
      const response = await fetch(`http://127.0.0.1:${served.port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ two { name } }" }),
      });
      expect(await response.json()).toEqual({ data: { two: { name: "answer of /two" } } });
    } finally {
      await served.close();
    }
  });
});
