import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createLineBuffer } from "../../src/logging/create-line-buffer.js";
import { createRequestLogger } from "../../src/logging/create-request-logger.js";
import { createServeLogger } from "../../src/logging/create-serve-logger.js";
import { RequestLog } from "../../src/logging/request-log.js";

// Issue 26 (cache hit path), CH01: `trestle serve`'s request lines skip pino's general path and
// are batched into one buffer; the text must stay exactly pino's.

/** A request as the route table hands it to the logger. */
const request = (method: string, pathname: string, headers: Record<string, string> = {}) => ({
  method,
  pathname,
  headers: { get: (name: string) => headers[name] ?? null },
});

interface Case {
  exchange: ReturnType<typeof request>;
  route: string;
  status: number;
  ms: number;
  fill?: (log: RequestLog) => void;
  answer?: { headers: Record<string, string>; body: string };
}

const cases: Case[] = [
  // A result-cache hit: its operation, no calls.
  {
    exchange: request("POST", "/graphql"),
    route: "graphql",
    status: 200,
    ms: 0.04,
    fill: (log) => {
      log.operation = "Item";
      log.operationCache = "hit";
    },
  },
  // A GET with an operation, calls (cache results), a request id and a trace id.
  {
    exchange: request("GET", "/graphql", { "x-request-id": "req-42.a:b" }),
    route: "graphql",
    status: 200,
    ms: 12.345,
    fill: (log) => {
      log.operation = "UserById";
      log.traceId = "0af7651916cd43dd8448eb211c80319c";
      log.attach([{ status: 200, cache: { status: "miss" } }, { status: 200, cache: { status: "hit" } }, { status: 200 }]);
    },
  },
  // An upstream failure (warn) with the answer's own code.
  {
    exchange: request("POST", "/graphql", { "x-request-id": 'not a token \u00e9" \\' }),
    route: "graphql",
    status: 200,
    ms: 3,
    fill: (log) => {
      // Text that JSON must escape (never a GraphQL name, but the writer must not depend on it).
      log.operation = 'Op"é\\\u0001';
      log.attach([{ status: "UPSTREAM_TIMEOUT" }]);
    },
    answer: { headers: { "content-type": "application/json" }, body: '{"errors":[{"extensions":{"code":"UPSTREAM_TIMEOUT"}}]}' },
  },
  // A 5xx (error), a health route, a passthrough route with its upstream.
  {
    exchange: request("PATCH", "/rest/api/users/1"),
    route: "passthrough",
    status: 502,
    ms: 1.05,
    fill: (log) => log.attach([{ status: 503 }]),
  },
  { exchange: request("GET", "/healthz"), route: "other", status: 200, ms: Number.NaN },
  { exchange: request("DELETE", "/rest/other/x"), route: "passthrough", status: 404, ms: 0 },
];

/** Every case's line through a logger; `time` made equal (the only field that may differ). */
function linesOf(logger: Parameters<typeof createRequestLogger>[0]["logger"], read: () => string): string[] {
  const requests = createRequestLogger({ logger, prefix: "", isUpstream: (name) => name === "api" });
  for (const c of cases) {
    const log = requests.start();
    c.fill?.(log);
    if (c.answer) requests.answered(log, c.answer);
    requests.end(c.exchange, log, c.route, c.status, c.ms);
  }
  return read()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/"time":\d+/, '"time":0'));
}

describe("trestle serve's request lines", () => {
  it("CH01: the serve logger writes the same text pino writes for every kind of line (fields, order, escaping, levels)", () => {
    let served = "";
    const serveLogger = createServeLogger(undefined, {}, (text) => (served += text));
    if (typeof serveLogger === "string") throw new Error(serveLogger);
    const fast = linesOf(serveLogger, () => (serveLogger.flush(), served));

    // The same pino options through pino's own path (a logger Trestle did not make).
    let plain = "";
    const pinoLogger = pino({ level: "info" }, { write: (line: string) => void (plain += line) });
    const expected = linesOf(pinoLogger, () => plain);

    expect(fast).toHaveLength(cases.length);
    expect(fast).toEqual(expected);
    const parsed = fast.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((line) => line["level"])).toEqual([30, 30, 40, 50, 30, 30]);
    expect(Object.keys(parsed[1]!)).toEqual([
      "level",
      "time",
      "pid",
      "hostname",
      "method",
      "route",
      "status",
      "ms",
      "operation",
      "calls",
      "cache",
      "traceId",
      "requestId",
      "msg",
    ]);
    expect(parsed[1]!["cache"]).toEqual({ miss: 1, hit: 1 });
    expect(parsed[2]!["requestId"]).toBeUndefined(); // not token-shaped: never logged
    expect(parsed[4]!["ms"]).toBeNull();
  });

  it("CH01: a level raised after start keeps the lines below it out, as pino would", () => {
    let served = "";
    const serveLogger = createServeLogger("info", {}, (text) => (served += text));
    if (typeof serveLogger === "string") throw new Error(serveLogger);
    const requests = createRequestLogger({ logger: serveLogger, prefix: "", isUpstream: () => false });
    serveLogger.level = "warn";
    const ok = requests.start();
    requests.end(request("GET", "/graphql"), ok, "graphql", 200, 1);
    const failed = requests.start();
    requests.end(request("GET", "/graphql"), failed, "graphql", 500, 1);
    serveLogger.flush();
    const lines = served.split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 50, status: 500, msg: "request failed" });
  });
});

describe("the line buffer", () => {
  it("CH02: lines keep their order and bytes (multi-byte text), a batch goes out at 64 KiB, a huge line is never split", () => {
    const writes: string[] = [];
    const buffer = createLineBuffer((text) => writes.push(text));
    const lines = ["é ü 漢字 🙂\n", "plain\n", `${"\u00e9".repeat(100)}\n`];
    for (const line of lines) buffer.write(line);
    expect(writes).toEqual([]); // held until the timer, a flush or 64 KiB
    buffer.flush();
    expect(writes).toEqual([lines.join("")]);

    // Many lines: written in batches of at least 64 KiB, none split, all in order.
    writes.length = 0;
    const many = Array.from({ length: 2000 }, (_, at) => `{"n":${at},"text":"${"ü".repeat(at % 50)}"}\n`);
    for (const line of many) buffer.write(line);
    buffer.flush();
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.join("")).toBe(many.join(""));
    for (const text of writes) expect(text.endsWith("\n")).toBe(true);
    for (const text of writes.slice(0, -1)) expect(text.length).toBeGreaterThanOrEqual(64 * 1024);

    // A huge line (a stack, a long message) is never split, and keeps its place.
    writes.length = 0;
    const huge = `${"x".repeat(300_000)}\n`;
    buffer.write("before\n");
    buffer.write(huge);
    buffer.write("after\n");
    buffer.flush();
    expect(writes.join("")).toBe(`before\n${huge}after\n`);
    expect(writes.some((text) => text.includes(huge))).toBe(true);
  });

  it("CH02: held lines go out on their own once the timer fires (no flush call)", async () => {
    let resolveWrite!: (text: string) => void;
    const written = new Promise<string>((resolve) => (resolveWrite = resolve));
    const buffer = createLineBuffer((text) => resolveWrite(text));
    buffer.write("one\n");
    buffer.write("two\n");
    expect(await written).toBe("one\ntwo\n");
  });
});
