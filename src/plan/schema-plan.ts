import type { GraphQLSchema } from "graphql";
import type { PaginatePlan } from "./paginate-plan.js";
import type { ParsedTemplate, TemplatePart, TemplateVariable } from "../template/parse-template.js";
import type { FormPlan } from "./form-plan.js";

/** Derived, validated data: what `buildSchemaPlan` makes of the SDL. Nothing here changes per request. */

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";
export type Naming = "AS_IS" | "SNAKE_CASE";
export type CacheScope = "PUBLIC" | "PRIVATE";

export interface HeaderPlan {
  /** Lower-case header name sent upstream. */
  name: string;
  /** Either a value template... */
  value?: ParsedTemplate;
  /** ...or the lower-case client header it is forwarded from. */
  from?: string;
  /**
   * `identity: true | false`: whether the value identifies the caller (its answers are then
   * per identity) or only varies the cache key. Absent: decided by the cache's defaults.
   */
  identity?: boolean;
}

export interface CachePlan {
  maxAge?: number;
  scope?: CacheScope;
  staleWhileRevalidate?: number;
}

export interface PassthroughPlan {
  methods: HttpMethod[];
  paths: string[];
  setCookie: boolean;
  /** Largest request body forwarded, in bytes. */
  maxRequestBytes: number;
}

/**
 * `errors: { expose, detail }` on `@upstream` or `@rest`: which failed answers may show the
 * client their details (`extensions.details`), and where in the body those details are.
 */
export interface ErrorExposurePlan {
  /** 4xx statuses whose details are shown; empty turns exposure off (`expose: []`). 5xx never. */
  statuses: ReadonlySet<number>;
  /** Dot path of the details in a JSON body (default `["detail"]`); unused for RFC 9457 problem bodies. */
  detail: readonly string[];
}

export interface UpstreamPlan {
  name: string;
  /** `http://host:port`, no trailing slash. */
  origin: string;
  /** Path prefix of the base URL without a trailing slash ("" for the root). */
  basePath: string;
  naming: Naming;
  /** One attempt, from sending to the answer's last byte. */
  timeoutMs: number;
  /** Decoded bytes of one answer. */
  maxResponseBytes: number;
  headers: HeaderPlan[];
  passthrough: PassthroughPlan | undefined;
  cache: CachePlan | undefined;
  /** `dedupe: true`: identical reads in flight at once are sent once, their answer given to all, stored or not. */
  dedupe?: boolean | undefined;
  /** Opening a connection. */
  connectTimeoutMs: number;
  /** Retries, breaker and concurrency limit, defaults applied. */
  resilience: ResiliencePlan;
  /** What failed answers may show; absent: nothing (the body reaches debug output only). */
  errors?: ErrorExposurePlan | undefined;
}

export interface QueryParamPlan {
  /** Already percent-encoded parameter name. */
  name: string;
  /** Value template parts; literal parts are kept as written (already URL text). */
  value: TemplatePart[];
}

export interface UrlPlan {
  path: TemplatePart[];
  query: QueryParamPlan[];
}

export type BodyPlan =
  /** `body: "{args.input}"`: that value, as JSON. */
  | { kind: "value"; variable: Extract<TemplatePart, object> }
  /** A JSON template whose variables stand for JSON values. */
  | { kind: "json"; template: ParsedTemplate };

export interface BatchPlan {
  /** The one `{args.X}` or `{parent.X}` of the field's own path: its value is the key. */
  keyVariable: TemplateVariable;
  /** Equal for fields whose batch calls are interchangeable: they share a loader per operation. */
  identity: string;
  method: HttpMethod;
  url: UrlPlan;
  body: ParsedTemplate | undefined;
  key: string[];
  maxSize: number;
  select: string[] | undefined;
}

/** `@rest(stream:)` on a Subscription field: how its answer's events become payloads (src/connector/create-stream-resolver.ts). */
export interface StreamPlan {
  format: "SSE" | "NDJSON";
  /** Dot path into each event's JSON. */
  select: string[] | undefined;
  /** The raw data value (an SSE event's data, an NDJSON line) that ends the stream. */
  done: string | undefined;
  /** SSE: only events of this name are payloads. */
  event: string | undefined;
}

/** `@rest(poll:)` on a Subscription field: the read repeated (src/connector/create-poll-resolver.ts). */
export interface PollPlan {
  everyMs: number;
  /** The answer whose value at `path` (after `select`) is in `in` ends the subscription. */
  until: { path: string[]; in: readonly string[] } | undefined;
  timeoutMs: number;
}

export interface RestPlan {
  typeName: string;
  fieldName: string;
  /** "Query.model", for messages. */
  coordinate: string;
  upstream: UpstreamPlan;
  method: HttpMethod;
  url: UrlPlan;
  body: BodyPlan | undefined;
  /** The upstream's header rules followed by the field's own (a field rule overrides by name). */
  headers: HeaderPlan[];
  select: string[] | undefined;
  batch: BatchPlan | undefined;
  /** Only on Subscription fields: the answer is read as a stream of payloads. */
  stream?: StreamPlan | undefined;
  /** Only on Subscription fields: the read is repeated, a payload on each change. */
  poll?: PollPlan | undefined;
  cache: CachePlan | undefined;
  /** `@rest(dedupe:)`: replaces the upstream's `dedupe` for this field's reads when given. */
  dedupe?: boolean | undefined;
  /** The field's GraphQL type is non-null (a 404 is then an error, not null). */
  nonNull: boolean;
  /** The field's own `errors:`, else its upstream's: a field's setting replaces the upstream's whole. */
  errors?: ErrorExposurePlan | undefined;
  /** `form:` (and `formEncoding:`): the body as a form, files streamed (src/uploads/). */
  form?: FormPlan | undefined;
  /** `paginate:`: the field is a Relay connection over a paged listing. */
  paginate?: PaginatePlan | undefined;
}

export interface SchemaPlan {
  /** The schema clients see (Trestle's directives removed); resolvers are added to it. */
  schema: GraphQLSchema;
  upstreams: ReadonlyMap<string, UpstreamPlan>;
  restFields: readonly RestPlan[];
  /**
   * Fields that read another JSON key than their name: `@from(path:)` or snake_case naming.
   * typeName → fieldName → candidate key paths, first defined wins.
   */
  keyPaths: ReadonlyMap<string, ReadonlyMap<string, readonly (readonly string[])[]>>;
  /** `@enumValue(value:)`: enum name → GraphQL value name → the upstream's JSON value. */
  enumValues: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** `@constraint` on arguments and input fields, checked before any upstream call. */
  constraints: ConstraintsPlan;
}

/**
 * One `@constraint`, validated. On a list, `minItems`/`maxItems` bound the list and the others
 * bound each item (at any depth); numbers bound Int, Float and custom scalars, lengths
 * (in Unicode characters) and `pattern` bound strings.
 */
export interface ConstraintPlan {
  min?: number;
  max?: number;
  exclusiveMin?: number;
  exclusiveMax?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  /** Searched for (not anchored), as JSON Schema's `pattern`; compiled once. */
  pattern?: RegExp;
}

export interface ConstraintsPlan {
  /** "Query.listModels" → argument name → its constraint. */
  arguments: ReadonlyMap<string, ReadonlyMap<string, ConstraintPlan>>;
  /** Input type name → field name → its constraint. */
  inputFields: ReadonlyMap<string, ReadonlyMap<string, ConstraintPlan>>;
}

/** Resilience settings of one upstream after defaults (see "Security and limits" in the README). */
export interface ResiliencePlan {
  /** Retries after the first try, for idempotent methods only. @default 2 */
  retries: number;
  /** Base of the exponential backoff (full jitter). @default 100 */
  backoffMs: number;
  /** Longest `Retry-After` honoured; a longer one is not retried. @default 5000 */
  maxRetryAfterMs: number;
  /** Consecutive failed calls that open the breaker; 0 turns it off. @default 5 */
  breakerFailures: number;
  /**
   * When set, the breaker opens on the share of failed calls instead: more than this (0–1)
   * over `breakerWindowMs`, once the window holds `breakerMinimumCalls` calls.
   */
  breakerFailureRate?: number | undefined;
  /** @default 10000 */
  breakerWindowMs?: number | undefined;
  /** @default 10 */
  breakerMinimumCalls?: number | undefined;
  /** How long the breaker stays open before a probe is let through. @default 10000 */
  breakerResetMs: number;
  /** Requests in flight to the upstream. @default 128 */
  maxConcurrency: number;
  /** Requests waiting for a slot; more are refused with UPSTREAM_OVERLOADED. @default 4 × maxConcurrency */
  maxQueue: number;
  /** Streams (Subscription fields) open at once, a budget apart from `maxConcurrency`. @default 256 */
  maxStreams?: number | undefined;
}
