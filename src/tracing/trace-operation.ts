import { createHash } from "node:crypto";
import { context, SpanKind, trace, type Context, type Tracer } from "@opentelemetry/api";
import type { DocumentNode, OperationDefinitionNode } from "graphql";
import { liveTracer } from "./live-tracer.js";
import { errorCode, recordSpanError } from "./record-span-error.js";
import { unsampled } from "./unsampled.js";

/** Each document's hash, computed once. */
const hashes = new WeakMap<DocumentNode, string>();

/**
 * One GraphQL operation's execution as a span, its context in the operation's `trace` while it
 * runs (its upstream calls are its children): `graphql.operation.type`, `graphql.operation.name`, and `graphql.document`,
 * the SHA-256 (hex) of the document's text: never the text, never variables. A result with
 * errors marks it failed, `error.type` the first error's code. Both GraphQL routes (the lane
 * and yoga's, WebSocket included) run their operations through it. With no SDK, `run()`.
 */
export function traceOperation<R extends object>(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  /** The operation's context: its `trace` is the request's, and becomes the operation span's while it runs (its calls read it). */
  holder: { trace?: Context | undefined } | undefined,
  run: () => R | Promise<R>,
): R | Promise<R> {
  const tracer = liveTracer();
  if (tracer === undefined) return run();
  const parent = holder?.trace ?? context.active();
  // Under a request span the sampler dropped, no span: the calls continue the request's context.
  return unsampled(parent) ? run() : traced(tracer, operation, document, parent, holder ?? {}, run);
}

async function traced<R extends object>(
  tracer: Tracer,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  parent: Context,
  holder: { trace?: Context | undefined },
  run: () => R | Promise<R>,
): Promise<R> {
  const type = operation.operation;
  const name = operation.name?.value;
  const span = tracer.startSpan(name === undefined ? type : `${type} ${name}`, { kind: SpanKind.INTERNAL }, parent);
  if (span.isRecording()) {
    span.setAttribute("graphql.operation.type", type);
    if (name !== undefined) span.setAttribute("graphql.operation.name", name);
    const hash = documentHash(document);
    if (hash !== undefined) span.setAttribute("graphql.document", hash);
  }
  try {
    holder.trace = trace.setSpan(parent, span);
    const result = await run();
    const errors = (result as { errors?: readonly unknown[] }).errors;
    if (errors !== undefined && errors.length > 0) recordSpanError(span, { code: errorCode(errors[0]) });
    return result;
  } catch (error) {
    recordSpanError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The SHA-256 of the text a document was parsed from; undefined for a document parsed without locations. */
function documentHash(document: DocumentNode): string | undefined {
  let hash = hashes.get(document);
  if (hash === undefined) {
    const text = document.loc?.source.body;
    if (text === undefined) return undefined;
    hash = createHash("sha256").update(text).digest("hex");
    hashes.set(document, hash);
  }
  return hash;
}
