import type { CliIo } from "./cli-io.js";

/** An OpenTelemetry SDK `trestle serve` registered: `shutdown` exports what is left, then stops. */
export interface TracingSetup {
  shutdown(): Promise<void>;
}

/**
 * Whether the standard variables ask for traces: `OTEL_TRACES_EXPORTER` names `otlp`, or an OTLP
 * endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and
 * the exporter is not `none`; never with `OTEL_SDK_DISABLED=true`.
 */
export function wantsTracing(env: NodeJS.ProcessEnv): boolean {
  if (env["OTEL_SDK_DISABLED"]?.trim().toLowerCase() === "true") return false;
  const exporters = (env["OTEL_TRACES_EXPORTER"] ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  if (exporters.includes("otlp")) return true;
  if (exporters.length > 0) return false;
  return Boolean(env["OTEL_EXPORTER_OTLP_ENDPOINT"] || env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
}

/**
 * `trestle serve`'s tracing (docs/telemetry.md): when wantsTracing, an SDK is loaded (dynamic
 * imports: a serve without OTEL_* variables loads none of it) and registered: a NodeTracerProvider
 * (W3C trace-context and baggage propagators), a batch processor and the OTLP exporter over
 * HTTP: JSON bodies, or protobuf when `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL` is `http/protobuf`
 * (JSON is the default here: it costs less CPU per span). No context manager is registered:
 * Trestle carries each trace on its request, operation and call (src/tracing/), and
 * AsyncLocalStorage's promise hooks would cost every request of the process. The SDK reads the
 * rest of the standard variables itself (endpoint, headers, `OTEL_TRACES_SAMPLER` and `_ARG`,
 * `OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`); the service is `OTEL_SERVICE_NAME`, else
 * "trestle". Each `--workers` worker sets up its own.
 */
export async function setupTracing(env: NodeJS.ProcessEnv, io: Pick<CliIo, "stderr">): Promise<TracingSetup | undefined> {
  if (!wantsTracing(env)) return undefined;
  const protocol = (env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] || env["OTEL_EXPORTER_OTLP_PROTOCOL"] || "http/json").trim();
  const protobuf = protocol === "http/protobuf";
  if (!protobuf && protocol !== "http/json")
    io.stderr(
      `trestle serve: OTLP protocol "${protocol}" is not supported (http/json or http/protobuf); traces are sent as OTLP over HTTP with JSON bodies (http/json)`,
    );
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { defaultResource, detectResources, envDetector, resourceFromAttributes },
  ] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    protobuf ? import("@opentelemetry/exporter-trace-otlp-proto") : import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const resource = defaultResource()
    .merge(resourceFromAttributes({ "service.name": "trestle" }))
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(env["OTEL_SERVICE_NAME"] ? { "service.name": env["OTEL_SERVICE_NAME"] } : {}));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  provider.register({ contextManager: null });
  return { shutdown: () => provider.shutdown() };
}
