import type { Context } from "@opentelemetry/api";
import DataLoader from "dataloader";
import type { CacheStatus } from "../cache/cache-status.js";
import type { Env } from "../template/interpolate-env.js";
import { TrestleError } from "../errors.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import type { ClientSignal } from "../upstream/client-signal.js";
import type { NormalizedLimits } from "../config/limits-options.js";
import type { RequestLog } from "../logging/request-log.js";
import { createUpstreamSlots, type UpstreamSlots } from "./create-upstream-slots.js";

/**
 * One upstream call as the debug extension (and GraphiQL's waterfall), metrics and logs see it:
 * the same record on both GraphQL routes and the operations routes.
 */
export interface UpstreamCallRecord {
  upstream: string;
  method: string;
  /** The path as declared (`/users/{args.id}`), never a value; absent on calls not made from a template. */
  route?: string;
  /** Origin-relative path and query, as sent (values included: debug shows it to the developer only). */
  path: string;
  /** Keys the call carries when it is a batch call (`@rest(batch:)`); absent on single calls. */
  batch?: number;
  /** HTTP status, or the error code when no answer came. */
  status: number | string;
  /** When the call was sent, in ms since the operation began (after any wait for a concurrency slot), to 0.1 ms. */
  start: number;
  /** How long it took, to 0.1 ms. */
  ms: number;
  /** What the shared cache did (GET/HEAD: hit, stale, miss...; writes: bypass), when it is on. */
  cache?: CacheStatus;
}

/** Sends one built request through the rest of the pipeline (cache, then the upstream client). */
export type SendUpstream = (request: UpstreamRequest, status?: CacheStatus, signal?: ClientSignal) => Promise<UpstreamResponse>;

/** Sends one built request with a body generated as it goes (a form with files): streamed, sent once. */
export type SendStreamed = (request: UpstreamRequest, body: AsyncIterable<Uint8Array>, signal?: ClientSignal) => Promise<UpstreamResponse>;

/**
 * Per-request state: what templates may read, the calls made so far and the operation's
 * loaders. One exists per GraphQL request (or passthrough call); nothing in it is shared
 * between requests, so no loader entry can leak from one caller to another.
 */
export interface OperationContext {
  headers: { get(name: string): string | null };
  env: Env;
  values: Readonly<Record<string, unknown>>;
  /** Aborts when the client goes away: the operation's upstream calls nobody else waits for are abandoned. */
  signal?: ClientSignal | undefined;
  calls: UpstreamCallRecord[];
  /** The request's log record, when a logger is set: it reads `calls` when the line is written, and the operation's name. */
  log?: RequestLog | undefined;
  /** With an OpenTelemetry SDK: the request's trace context, then the operation span's while it runs; each call continues it. */
  trace?: Context | undefined;
  /**
   * The pipeline's load step: every upstream call of this operation goes through it.
   * Identical reads (GET/HEAD with the same upstream, path and headers) are sent once.
   */
  load(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Like `load` for a write whose body streams (`form:` with files): counted and recorded the same way, never de-duplicated. */
  loadStreamed(request: UpstreamRequest, body: AsyncIterable<Uint8Array>): Promise<UpstreamResponse>;
  /** The operation's loader for one batch endpoint, made on first use. */
  loader<K, V>(identity: string, create: () => DataLoader<K, V, string>): DataLoader<K, V, string>;
}

/** The limits an operation's calls obey; none when left out. */
export type OperationLimits = Pick<NormalizedLimits, "maxUpstreamCalls" | "maxConcurrentCallsPerUpstream">;

export function createOperationContext(
  init: Pick<OperationContext, "headers" | "env" | "values" | "signal" | "log" | "trace">,
  send: SendUpstream,
  /**
   * `maxUpstreamCalls`: calls past it fail with COST_LIMIT instead of being sent.
   * `maxConcurrentCallsPerUpstream`: calls past it wait for one of the operation's own to finish.
   */
  limits: Partial<OperationLimits> = {},
  /** The pipeline's streaming send, for `loadStreamed`; without it such calls fail. */
  sendStreamed?: SendStreamed,
): OperationContext {
  const maxCalls = limits.maxUpstreamCalls ?? Number.POSITIVE_INFINITY;
  const streamed = (request: UpstreamRequest, body: AsyncIterable<Uint8Array>) => {
    if (sendStreamed === undefined) throw new TrestleError("CONFIG_INVALID", "This operation context cannot send a streamed body.");
    return sendStreamed(request, body, init.signal);
  };
  const calls: UpstreamCallRecord[] = [];
  // One clock per operation: every call's `start` counts from here (the waterfall's time axis).
  const began = performance.now();
  init.log?.attach(calls);
  // Made on the first call: an operation answered without upstream calls never pays for it.
  let slots: UpstreamSlots | undefined;
  /** One call through the operation's limits and records: `body`, when given, is streamed (loadStreamed). */
  const record = async (request: UpstreamRequest, body?: AsyncIterable<Uint8Array>): Promise<UpstreamResponse> => {
    if (calls.length >= maxCalls) {
      throw new TrestleError("COST_LIMIT", `The operation reached its limit of ${maxCalls} upstream calls; no more were made.`);
    }
    // The call continues the operation's trace (its span, while the operation runs).
    if (operation.trace !== undefined) request.trace ??= operation.trace;
    const upstream = request.upstream.name;
    const call: UpstreamCallRecord = { upstream, method: request.method, path: request.path, status: 0, start: 0, ms: 0 };
    if (request.route !== undefined) call.route = request.route;
    if (request.batchSize !== undefined) call.batch = request.batchSize;
    calls.push(call);
    const own = (slots ??= createUpstreamSlots(limits.maxConcurrentCallsPerUpstream ?? Number.POSITIVE_INFINITY, init.signal));
    const turn = own.take(upstream);
    if (turn !== undefined) {
      try {
        await turn;
      } catch (error) {
        call.status = (error as { code?: string }).code ?? "ERROR";
        throw error;
      }
    }
    const started = performance.now();
    call.start = Math.round((started - began) * 10) / 10;
    const cache: CacheStatus = {};
    try {
      const response = await (body === undefined ? send(request, cache, init.signal) : streamed(request, body));
      call.status = response.status;
      return response;
    } catch (error) {
      call.status = (error as { code?: string }).code ?? "ERROR";
      throw error;
    } finally {
      own.give(upstream);
      call.ms = Math.round((performance.now() - started) * 10) / 10;
      if (cache.status !== undefined) call.cache = cache;
    }
  };
  // De-duplication: a loader that never batches (each read is its own call) but remembers,
  // for this operation only, every read by method, upstream, target and the headers sent.
  // Made on the first read: an operation answered without upstream reads never pays for it.
  let reads: DataLoader<UpstreamRequest, UpstreamResponse, string> | undefined;
  const read = (request: UpstreamRequest) => {
    reads ??= new DataLoader<UpstreamRequest, UpstreamResponse, string>(async ([first]) => [await record(first!)], {
      batch: false,
      cacheKeyFn: readKey,
    });
    return reads.load(request);
  };
  // Made on the first batch field: most operations never use one.
  let loaders: Map<string, DataLoader<unknown, unknown, string>> | undefined;
  const operation: OperationContext = {
    ...init,
    calls,
    load: (request) => (request.method === "GET" || request.method === "HEAD" ? read(request) : record(request)),
    loadStreamed: record,
    loader<K, V>(identity: string, create: () => DataLoader<K, V, string>): DataLoader<K, V, string> {
      let loader = loaders?.get(identity) as DataLoader<K, V, string> | undefined;
      if (loader === undefined) {
        loader = create();
        (loaders ??= new Map()).set(identity, loader as DataLoader<unknown, unknown, string>);
      }
      return loader;
    },
  };
  return operation;
}

/** A structured key (JSON of a tuple), so that no two different reads can collide. */
function readKey(request: UpstreamRequest): string {
  return JSON.stringify([request.upstream.name, request.method, request.path, request.headers]);
}
