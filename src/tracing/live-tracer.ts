import { createRequire } from "node:module";
import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from "@opentelemetry/api";

/** What `trace.getTracerProvider()` delegates to while no SDK is registered: the API's no-op. */
const noopProvider = new ProxyTracerProvider().getDelegate();
/** Trestle's version, the tracer's (instrumentation scope's) version: src/tracing/ and dist/tracing/ both sit two levels down. */
const version = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;

let lastProvider: TracerProvider | undefined;
let lastTracer: Tracer | undefined;

/**
 * The `trestle` tracer of the SDK registered now, or undefined while none is (then the API is
 * a no-op, and Trestle builds no span, attribute or context at all). One look at the global
 * provider: each request, operation and upstream call asks once. The tracer is kept per
 * provider, so an SDK registered (or unregistered) later is seen by the next request.
 */
export function liveTracer(): Tracer | undefined {
  const global = trace.getTracerProvider();
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  if (provider === noopProvider || provider.constructor.name === "NoopTracerProvider") return undefined;
  if (provider !== lastProvider) {
    lastProvider = provider;
    lastTracer = provider.getTracer("trestle", version);
  }
  return lastTracer;
}
