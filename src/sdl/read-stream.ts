import type { DirectiveNode, GraphQLSchema } from "graphql";
import type { StreamPlan } from "../plan/schema-plan.js";
import { parseDotPath, type DiagnosticList } from "./diagnostics.js";
import { argumentNode } from "./read-upstreams.js";

/** What readStream needs to know of the `@rest` it reads. */
export interface StreamSite {
  schema: GraphQLSchema;
  typeName: string;
  /** "Subscription.generate", for messages. */
  coordinate: string;
  /** The `@rest` directive's values, as read. */
  values: Readonly<Record<string, unknown>>;
}

/**
 * `@rest(stream:)`: only on `Subscription` root fields, and every `@rest` field of the
 * Subscription type needs it (or, once issue #19 lands, `poll:`); it does not go with `batch`
 * or `@rest(select:)` (the stream's own `select` applies to each event); `event` is SSE only.
 * The format itself is an enum: GraphQL validation refuses any other value before this runs.
 */
export function readStream(site: StreamSite, node: DirectiveNode, diagnostics: DiagnosticList): StreamPlan | undefined {
  const { values, coordinate } = site;
  const raw = values["stream"] as
    { format: StreamPlan["format"]; select?: string | null; done?: string | null; event?: string | null } | null | undefined;
  const onSubscription = site.schema.getSubscriptionType()?.name === site.typeName;
  const streamNode = argumentNode(node, "stream") ?? node;
  if (raw === undefined || raw === null) {
    if (onSubscription && (values["poll"] === undefined || values["poll"] === null)) {
      diagnostics.error(
        node,
        `@rest on ${coordinate} needs stream: (or poll:): a Subscription field reads a streaming answer, e.g. stream: { format: SSE } or stream: { format: NDJSON }`,
      );
    }
    return undefined;
  }
  if (!onSubscription) {
    diagnostics.error(
      streamNode,
      `@rest on ${coordinate} has stream:, which only a Subscription field may have (a Query or Mutation field answers once)`,
    );
    return undefined;
  }
  let valid = true;
  const fail = (message: string, at: Parameters<DiagnosticList["error"]>[0] = streamNode) => {
    diagnostics.error(at, message);
    valid = false;
  };
  if (values["batch"] !== undefined && values["batch"] !== null)
    fail(
      `@rest on ${coordinate} has both stream: and batch:; a stream is one upstream request per subscription`,
      argumentNode(node, "batch") ?? node,
    );
  if (values["select"] !== undefined && values["select"] !== null)
    fail(
      `@rest on ${coordinate} has stream:, so its select: goes inside it (stream: { select: "${String(values["select"])}" }): it applies to each event`,
      argumentNode(node, "select") ?? node,
    );
  const select = raw.select === undefined || raw.select === null ? undefined : parseDotPath(raw.select);
  if (raw.select !== undefined && raw.select !== null && select === undefined)
    fail(`stream select "${raw.select}" on ${coordinate} is not a dot path like "choices.0.delta"`);
  if (raw.event !== undefined && raw.event !== null) {
    if (raw.format !== "SSE") fail(`stream event "${raw.event}" on ${coordinate} needs format: SSE (only server-sent events have names)`);
    else if (raw.event === "" || /[\r\n]/.test(raw.event))
      fail(`stream event on ${coordinate} must be a non-empty name on one line, received ${JSON.stringify(raw.event)}`);
  }
  if (raw.done === "") fail(`stream done on ${coordinate} must not be empty (it is the data value that ends the stream, e.g. "[DONE]")`);
  if (!valid) return undefined;
  return { format: raw.format, select, done: raw.done ?? undefined, event: raw.event ?? undefined };
}
