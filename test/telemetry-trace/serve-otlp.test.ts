import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver, type OtlpReceiver } from "../helpers/otlp-receiver.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

let receiver: OtlpReceiver;
let upstream: TestUpstream;
let dir: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { id: req.url }));
  dir = await mkdtemp(join(tmpdir(), "trestle-otlp-"));
  await writeFile(
    join(dir, "schema.graphql"),
    `extend schema @upstream(name: "a", baseUrl: "${upstream.url}")\ntype Query { item(id: ID!): Item @rest(path: "/items/{args.id}") }\ntype Item { id: ID }\n`,
  );
});
afterAll(async () => {
  await Promise.all([receiver.close(), upstream.close(), rm(dir, { recursive: true, force: true })]);
});

/** `trestle serve` as a child process with these OTEL_* variables: one query, then SIGTERM, and its exit code. */
async function serveOnce(otel: Record<string, string>, headers: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production" };
  for (const name of Object.keys(env)) if (name.startsWith("OTEL_")) delete env[name];
  const child = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", dir, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, ...otel },
  });
  let output = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /at (\S+\/graphql)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${output}${stderr}`)));
  });
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: '{ item(id: "5") { id } }' }),
  });
  expect(await response.json()).toEqual({ data: { item: { id: "/items/5" } } });
  child.kill("SIGTERM");
  return { code: await exited, stderr };
}

describe("T24: trestle serve exports traces when the OTEL_* variables ask", () => {
  it("T24: OTEL_EXPORTER_OTLP_ENDPOINT set: spans over OTLP/HTTP JSON, the service named by OTEL_SERVICE_NAME, flushed on SIGTERM", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const { code } = await serveOnce(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: "bff-under-test" },
      { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    );
    expect(code).toBe(0);
    const request = upstream.requests.at(-1)!;
    const spans = await receiver.waitFor((all) => all.filter((span) => span.traceId === traceId).length >= 3);
    const trace = spans.filter((span) => span.traceId === traceId);
    expect(trace.map((span) => span.kind).sort()).toEqual([1, 2, 3]);
    const call = trace.find((span) => span.kind === 3)!;
    expect(request.headers["traceparent"]).toBe(`00-${traceId}-${call.spanId}-01`);
    expect(call.resource["service.name"]).toBe("bff-under-test");
    expect(trace.find((span) => span.kind === 2)!.parentSpanId).toBe("b7ad6b7169203331");
  });

  it("T24: OTEL_SDK_DISABLED=true: no SDK is set up, nothing exported, no traceparent upstream", async () => {
    const before = receiver.bodies.length;
    const { code } = await serveOnce({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: "true" }, {});
    expect(code).toBe(0);
    expect(upstream.requests.at(-1)!.headers["traceparent"]).toBeUndefined();
    expect(receiver.bodies.length).toBe(before);
  });

  it("T24: OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: the same trace, sent as protobuf", async () => {
    const traceId = "2af7651916cd43dd8448eb211c80319c";
    const exports = receiver.encodings.length;
    const { code, stderr } = await serveOnce(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf", OTEL_SERVICE_NAME: "bff-proto" },
      { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    );
    expect(code).toBe(0);
    expect(stderr).not.toContain("not supported");
    const spans = await receiver.waitFor((all) => all.filter((span) => span.traceId === traceId).length >= 3);
    expect(receiver.encodings.slice(exports)).toContain("protobuf");
    const trace = spans.filter((span) => span.traceId === traceId);
    expect(trace.map((span) => span.kind).sort()).toEqual([1, 2, 3]);
    const call = trace.find((span) => span.kind === 3)!;
    expect(upstream.requests.at(-1)!.headers["traceparent"]).toBe(`00-${traceId}-${call.spanId}-01`);
    expect(call.attributes["url.full"]).toBe(`${upstream.url}/items/5`);
    expect(call.attributes["http.response.status_code"]).toBe(200);
    expect(call.resource["service.name"]).toBe("bff-proto");
    expect(trace.find((span) => span.kind === 2)!.parentSpanId).toBe("b7ad6b7169203331");
  });

  it("T24: an OTLP protocol other than http/json or http/protobuf is named on stderr, and JSON is sent all the same", async () => {
    const traceId = "1af7651916cd43dd8448eb211c80319c";
    const { code, stderr } = await serveOnce(
      {
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      },
      { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    );
    expect(code).toBe(0);
    expect(stderr).toContain(
      'OTLP protocol "grpc" is not supported (http/json or http/protobuf); traces are sent as OTLP over HTTP with JSON bodies (http/json)',
    );
    const spans = await receiver.waitFor((all) => all.filter((span) => span.traceId === traceId).length >= 3);
    expect(spans.find((span) => span.traceId === traceId)!.resource["service.name"]).toBe("trestle");
  });
});
