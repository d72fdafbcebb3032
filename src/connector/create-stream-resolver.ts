import type { GraphQLField, GraphQLFieldResolver } from "graphql";
import { TrestleError } from "../errors.js";
import type { RestPlan, StreamPlan } from "../plan/schema-plan.js";
import { createRequestBuilder } from "./build-request.js";
import type { OperationContext } from "../loader/operation-context.js";
import type { SubscriptionStreams } from "./subscription-streams.js";
import { PayloadStream, StreamPayload } from "./payload-stream.js";

/** What it needs of TrestleResolverContext (create-resolvers.ts, which imports this file). */
interface StreamContext {
  trestle: OperationContext;
  streams?: SubscriptionStreams | undefined;
}

type Resolver = GraphQLFieldResolver<unknown, StreamContext, Record<string, unknown>>;

/** What graphql-tools takes for a Subscription field. */
export interface StreamResolver {
  subscribe: Resolver;
  resolve: Resolver;
}

export function isStreamResolver(value: unknown): value is StreamResolver {
  return typeof value === "object" && value !== null && "subscribe" in value;
}

const accepts: Record<StreamPlan["format"], string> = {
  SSE: "text/event-stream",
  NDJSON: "application/x-ndjson, application/jsonl;q=0.9, application/json;q=0.5",
};

/**
 * The resolver of a `@rest(stream:)` Subscription field. `subscribe` builds the request like any
 * `@rest` field's (templates, header rules, body), counts the subscription against its budgets
 * at once (SUBSCRIPTION_LIMIT, a request error: nothing was started) and returns its payloads
 * (PayloadStream); `resolve` hands each payload's value on, mapped then like any answer by the
 * fields below, or throws its error (an error payload, masked as any field error).
 *
 * Fresh loaders per payload: the executor runs one payload's execution after another, all
 * with the one context object of the subscription (graphql-js's mapAsyncIterator, and
 * @graphql-tools/executor's, which yoga runs, map each `next()` to that payload's execution and
 * resolve only once it is done; yoga's SSE stream and graphql-ws ask for the next payload only
 * then). So before each payload is handed on, `context.trestle` is replaced
 * by a new operation context (same headers, env, values and signal, its own loaders): reads are
 * de-duplicated within a payload, never across payloads.
 */
export function createStreamResolver(rest: RestPlan & { stream: StreamPlan }, field: GraphQLField<unknown, unknown>): StreamResolver {
  const build = createRequestBuilder(rest.upstream, rest, field.args, rest.coordinate);
  const { stream: plan, errors } = rest;
  // The Accept a header rule sets is sent as it is; otherwise the stream's media type is asked for.
  const ownAccept = rest.headers.some((rule) => rule.name === "accept");
  return {
    subscribe: (parent, args, context) => {
      const { streams } = context;
      if (streams === undefined)
        throw new TrestleError("CONFIG_INVALID", `${rest.coordinate} is a stream: it runs in a Trestle instance only.`);
      const operation = context.trestle;
      const request = build({ args, parent, env: operation.env, headers: operation.headers, context: operation.values });
      if (request === null) throw new TrestleError("BAD_USER_INPUT", `${rest.coordinate} has no value for its path.`);
      if (!ownAccept) request.headers["accept"] = accepts[plan.format];
      request.headers["accept-encoding"] = "identity";
      const payloads = new PayloadStream({
        request,
        plan,
        errors,
        streams,
        clientSignal: operation.signal,
        beforePayload: () => {
          context.trestle = streams.fresh(operation);
        },
      });
      return payloads.holds(streams.reserve(rest.upstream, () => payloads.end()));
    },
    resolve: (payload) => {
      if (!(payload instanceof StreamPayload)) return payload;
      if (payload.error !== undefined) throw payload.error;
      return payload.value;
    },
  };
}
