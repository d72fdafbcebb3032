// Trestle's public API. Everything not re-exported here is internal.

// The server
export { createTrestle } from "./trestle.js";
export type { Trestle } from "./trestle.js";
export type { CorsOptions, TrestleOptions, UpstreamOptions } from "./config/trestle-options.js";
export type { PinoLike, LogMethod } from "./logging/pino-like.js";
export type { PassthroughOptions } from "./config/passthrough-options.js";
export type { UploadOptions } from "./config/upload-options.js";
export type { HeaderRuleOptions, HostContext } from "./config/trestle-options.js";
export type { OutgoingUpstreamRequest, UpstreamFetch } from "./upstream/upstream-transport-options.js";

// Framework adapters: each a screenful over trestle.fetch / trestle.handle, none imports its framework
export { trestleExpress } from "./adapters/express.js";
export type { ExpressMiddleware } from "./adapters/express.js";
export { trestleFastify } from "./adapters/fastify.js";
export type { FastifyInstanceLike, FastifyReplyLike, FastifyRequestLike } from "./adapters/fastify.js";
export { trestleKoa } from "./adapters/koa.js";
export type { KoaContextLike, KoaMiddleware } from "./adapters/koa.js";
export { trestleHono } from "./adapters/hono.js";
export type { HonoContextLike, HonoMiddleware } from "./adapters/hono.js";
export { trestleNext } from "./adapters/next.js";
export type { NextRouteHandlers, RouteHandler } from "./adapters/next.js";
export type { NodeRequest } from "./http/serve-node-request.js";

// The shared response cache
export type { CacheOptions } from "./cache/cache-options.js";
export type { RedisCacheOptions } from "./cache/redis-options.js";
export type { TrestleCache } from "./cache/create-cached-send.js";
export type { CacheStatus } from "./cache/cache-status.js";

// Errors
export { TrestleError, BadUserInputError, UpstreamError, SchemaError, formatDiagnostic } from "./errors.js";
export type { TrestleErrorCode, Diagnostic } from "./errors.js";

// Schema tooling
export { directiveDefinitions } from "./sdl/directives.js";
export { checkSchema } from "./sdl/check-schema.js";
export type { CheckSchemaOptions } from "./sdl/check-schema.js";
