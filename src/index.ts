// Trestle's public API. Everything not re-exported here is internal.

// The server
export { createTrestle } from "./trestle.js";
export type { Trestle } from "./trestle.js";
export type { TrestleOptions, UpstreamOptions } from "./config/trestle-options.js";

// Errors
export { TrestleError, BadUserInputError, UpstreamError, SchemaError, formatDiagnostic } from "./errors.js";
export type { TrestleErrorCode, Diagnostic } from "./errors.js";

// Schema tooling
export { directiveDefinitions } from "./sdl/directives.js";
export { checkSchema } from "./sdl/check-schema.js";
export type { CheckSchemaOptions } from "./sdl/check-schema.js";
