import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { context, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeTracerProvider, SimpleSpanProcessor, type Sampler } from "@opentelemetry/sdk-trace-node";
import { decodeOtlpProtobuf } from "./decode-otlp-protobuf.js";

export type AttributeValue = string | number | boolean | null | AttributeValue[];

/** One span as an OTLP/HTTP exporter sent it, decoded from its JSON (hex ids, attributes as a plain object). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, AttributeValue>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  events: Array<{ name: string; attributes: Record<string, AttributeValue> }>;
  resource: Record<string, AttributeValue>;
  scope: { name: string; version?: string };
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:PORT`: the exporter posts to `/v1/traces`. */
  url: string;
  spans: ReceivedSpan[];
  /** Every request body as received (decompressed; protobuf as latin1 text), to search for planted secrets. */
  bodies: string[];
  /** Each export's encoding, in order: "json" or "protobuf". */
  encodings: Array<"json" | "protobuf">;
  /** Resolves with `spans` once `done(spans)` holds (checked on each export, and at once). */
  waitFor(done: (spans: readonly ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1 (node:http): decodes what the OTLP/HTTP exporters
 * send, JSON or protobuf (gzip too), keeps every span and notes each export's encoding. Any other
 * content type or path is refused with 415.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const encodings: Array<"json" | "protobuf"> = [];
  const waiters: Array<{ done: (spans: readonly ReceivedSpan[]) => boolean; resolve: (spans: ReceivedSpan[]) => void }> = [];
  const settle = () => {
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.done(spans)) waiters.splice(i, 1)[0]!.resolve(spans);
  };
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const type = req.headers["content-type"] ?? "";
      const encoding = type.startsWith("application/json") ? "json" : type.startsWith("application/x-protobuf") ? "protobuf" : undefined;
      if (req.url !== "/v1/traces" || encoding === undefined) {
        res.writeHead(415).end();
        return;
      }
      const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      bodies.push(body.toString(encoding === "json" ? "utf8" : "latin1"));
      encodings.push(encoding);
      const request = encoding === "json" ? JSON.parse(body.toString("utf8")) : decodeOtlpProtobuf(body);
      spans.push(...decodeSpans(request as ExportRequest));
      if (encoding === "json") res.writeHead(200, { "content-type": "application/json" }).end("{}");
      else res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      settle();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    encodings,
    waitFor: (done) =>
      new Promise((resolve) => {
        if (done(spans)) resolve(spans);
        else waiters.push({ done, resolve });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ExportRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{
      scope?: { name: string; version?: string };
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpKeyValue[];
        status?: { code?: number; message?: string };
        events?: Array<{ name: string; attributes?: OtlpKeyValue[] }>;
      }>;
    }>;
  }>;
}

function decodeSpans(request: ExportRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = toObject(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        out.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? "",
          name: span.name,
          kind: span.kind,
          attributes: toObject(span.attributes),
          status: { code: span.status?.code ?? 0, ...(span.status?.message ? { message: span.status.message } : {}) },
          events: (span.events ?? []).map((event) => ({ name: event.name, attributes: toObject(event.attributes) })),
          resource,
          scope: scopeSpans.scope ?? { name: "" },
        });
      }
    }
  }
  return out;
}

function toObject(attributes: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of attributes ?? []) out[key] = toValue(value);
  return out;
}

function toValue(value: OtlpAnyValue): AttributeValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(toValue);
  return null;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface TestSdk {
  /** Exports every ended span now. */
  flush(): Promise<void>;
  /** Shuts the SDK down and unregisters it (the API is a no-op again): test files share their worker's globals. */
  close(): Promise<void>;
}

/**
 * Registers an OpenTelemetry SDK in this process, as an embedding app would: a
 * NodeTracerProvider (AsyncLocalStorage context, W3C propagators), each span exported on end
 * (SimpleSpanProcessor) by the OTLP/HTTP JSON exporter to `receiver`; `sampler`: the SDK's
 * default (parent-based, always on) unless given.
 */
export function registerTestSdk(receiver: OtlpReceiver, sampler?: Sampler): TestSdk {
  const provider = new NodeTracerProvider({
    ...(sampler !== undefined && { sampler }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }))],
  });
  provider.register();
  return {
    flush: () => provider.forceFlush(),
    close: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The spans of one trace. */
export function spansOf(spans: readonly ReceivedSpan[], traceId: string): ReceivedSpan[] {
  return spans.filter((span) => span.traceId === traceId);
}

/** The children of `parent` among `spans`. */
export function childrenOf(spans: readonly ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId);
}
