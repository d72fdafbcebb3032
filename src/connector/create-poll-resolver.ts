import type { GraphQLField, GraphQLFieldResolver } from "graphql";
import { buildCacheKey } from "../cache/build-cache-key.js";
import { buildCachePolicy } from "../cache/build-cache-policy.js";
import { TrestleError } from "../errors.js";
import type { OperationContext } from "../loader/operation-context.js";
import type { PollPlan, RestPlan } from "../plan/schema-plan.js";
import { createRequestBuilder } from "./build-request.js";
import type { StreamResolver } from "./create-stream-resolver.js";
import { StreamPayload } from "./payload-stream.js";
import type { PollLoops } from "./poll-loops.js";
import { PollSubscriber } from "./poll-subscriber.js";
import type { SubscriptionStreams } from "./subscription-streams.js";

/** What it needs of TrestleResolverContext (create-resolvers.ts, which imports this file). */
interface PollContext {
  trestle: OperationContext;
  streams?: SubscriptionStreams | undefined;
  polls?: PollLoops | undefined;
}

type Resolver = GraphQLFieldResolver<unknown, PollContext, Record<string, unknown>>;

/**
 * The resolver of a `@rest(poll:)` Subscription field. `subscribe` builds the request as any
 * `@rest` field does (templates, header rules, the field's cache policy), keys it as the cache
 * does (buildCacheKey: the identity key when identity headers are sent, else the shared one),
 * counts the subscriber toward `limits.maxSubscriptions` (SUBSCRIPTION_LIMIT, a request error)
 * and joins the loop of that key, or starts one (`limits.maxPollLoops`). Its own `timeoutMs`
 * runs from here: past it, a POLL_TIMEOUT payload, then the end. Each payload is handed on with
 * a fresh operation context (its own loaders), as stream payloads are.
 */
export function createPollResolver(rest: RestPlan & { poll: PollPlan }, field: GraphQLField<unknown, unknown>): StreamResolver {
  const build = createRequestBuilder(rest.upstream, rest, field.args, rest.coordinate);
  const cachePolicy = buildCachePolicy(rest.upstream, rest.headers, rest.cache, rest);
  const { poll: plan, coordinate, select, errors } = rest;
  const subscribe: Resolver = (parent, args, context) => {
    const { streams, polls } = context;
    if (streams === undefined || polls === undefined)
      throw new TrestleError("CONFIG_INVALID", `${coordinate} is a polled subscription: it runs in a Trestle instance only.`);
    const operation = context.trestle;
    const request = build({ args, parent, env: operation.env, headers: operation.headers, context: operation.values });
    if (request === null) throw new TrestleError("BAD_USER_INPUT", `${coordinate} has no value for its path.`);
    request.cache = cachePolicy;
    const key = buildCacheKey(request, cachePolicy);
    const subscriber = new PollSubscriber(() => {
      context.trestle = streams.fresh(operation);
    });
    const release = streams.reserve(undefined, () => subscriber.finish());
    try {
      // One loop per read: the cache key (identity included) and, for a POST, the body it sends.
      const loop = polls.loop(JSON.stringify([coordinate, key.identity ?? key.shared, request.body ?? null]), () => ({
        plan,
        coordinate,
        request,
        select,
        errors,
        read: (signal) => streams.fresh({ ...operation, signal }).load(request),
      }));
      const timer = setTimeout(() => {
        subscriber.push(timeoutPayload(coordinate, plan.timeoutMs));
        subscriber.finish();
      }, plan.timeoutMs);
      subscriber.onLeave(() => {
        clearTimeout(timer);
        release();
      });
      // The client gone: it leaves (and the listener goes with it, the signal may outlive it).
      const signal = operation.signal;
      const onAbort = () => subscriber.leave();
      signal?.addEventListener("abort", onAbort);
      subscriber.onLeave(() => signal?.removeEventListener("abort", onAbort));
      loop.join(subscriber);
      return subscriber;
    } catch (error) {
      release();
      throw error;
    }
  };
  return {
    subscribe,
    resolve: (payload) => {
      if (!(payload instanceof StreamPayload)) return payload;
      if (payload.error !== undefined) throw payload.error;
      return payload.value;
    },
  };
}

function timeoutPayload(coordinate: string, timeoutMs: number): StreamPayload {
  return new StreamPayload(
    null,
    new TrestleError("POLL_TIMEOUT", `${coordinate} was still polling after ${timeoutMs} ms (its poll timeoutMs); it ended there.`, {
      extensions: { timeoutMs },
    }),
  );
}
