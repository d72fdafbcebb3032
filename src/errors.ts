/**
 * Every error Trestle raises on purpose is a TrestleError with a stable `code`. The GraphQL
 * boundary (plugins/use-error-mapping.ts) and the passthrough route turn them into client
 * answers; anything that is not a TrestleError is masked outside debug mode.
 */

export type TrestleErrorCode =
  | "BAD_USER_INPUT"
  | "SCHEMA_INVALID"
  | "CONFIG_INVALID"
  /** A `*.mapping.yaml` file that `trestle test` cannot read (bad YAML, unknown key, wrong type): file:line:col in the message. */
  | "MAPPING_TEST_INVALID"
  | "UPSTREAM_ERROR"
  | "UPSTREAM_TIMEOUT"
  | "UPSTREAM_UNAVAILABLE"
  | "UPSTREAM_CIRCUIT_OPEN"
  | "UPSTREAM_OVERLOADED"
  | "UPSTREAM_RESPONSE_TOO_LARGE"
  | "UPSTREAM_BAD_RESPONSE"
  | "UPSTREAM_URL_REJECTED"
  | "UPSTREAM_REQUEST_HOOK_FAILED"
  /** The HTTP client refused a request before sending anything; not retried, not a breaker failure. */
  | "UPSTREAM_REQUEST_INVALID"
  | "CLIENT_CLOSED_REQUEST"
  | "REQUEST_TOO_LARGE"
  /** A passthrough request body went silent for longer than the upstream's `timeoutMs`. */
  | "REQUEST_TIMEOUT"
  | "COST_LIMIT"
  /** A multipart request's file passed `uploads.maxFileBytes`, or it held more than `uploads.maxFiles` files (413). */
  | "UPLOAD_TOO_LARGE"
  /** A request Trestle cannot read: a malformed GraphQL multipart request (400, nothing sent upstream). */
  | "BAD_REQUEST"
  /** A subscription past `limits.maxSubscriptions` (per instance) or its upstream's `maxStreams`: not started. */
  | "SUBSCRIPTION_LIMIT"
  /** A `poll:` subscription still open after its `timeoutMs`: its last payload, then the end. */
  | "POLL_TIMEOUT"
  | "OPENAPI_IMPORT_ERROR";

export interface TrestleErrorOptions {
  cause?: unknown;
  /** Extra facts for the client's `extensions` (never secrets; of an upstream body, only the sanitised `details` a schema exposes). */
  extensions?: Record<string, unknown>;
  /** Facts only shown in debug mode (upstream body excerpt, full URL). */
  debug?: Record<string, unknown>;
}

export class TrestleError extends Error {
  readonly code: TrestleErrorCode;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly debug: Readonly<Record<string, unknown>>;

  constructor(code: TrestleErrorCode, message: string, options: TrestleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TrestleError";
    this.code = code;
    this.extensions = options.extensions ?? {};
    this.debug = options.debug ?? {};
  }
}

/** A client-supplied value (or a value from an upstream answer) that cannot be used safely. */
export class BadUserInputError extends TrestleError {
  constructor(message: string, options: TrestleErrorOptions = {}) {
    super("BAD_USER_INPUT", message, options);
    this.name = "BadUserInputError";
  }
}

/** A call to an upstream failed; `upstream` names it and `status` is set for HTTP answers. */
export class UpstreamError extends TrestleError {
  readonly upstream: string;
  readonly status: number | undefined;

  constructor(code: TrestleErrorCode, upstream: string, message: string, options: TrestleErrorOptions & { status?: number } = {}) {
    const extensions: Record<string, unknown> = { upstream, ...options.extensions };
    if (options.status !== undefined) extensions["status"] = options.status;
    super(code, message, { ...options, extensions });
    this.name = "UpstreamError";
    this.upstream = upstream;
    this.status = options.status;
  }
}

/**
 * The client went away (its connection closed) before the upstream answered, and no other
 * caller was waiting for the same answer: the call was abandoned, and is not retried, stored
 * or counted against the upstream's breaker. Only logs and call records see it.
 */
export function clientClosedRequest(upstream: string, cause?: unknown): UpstreamError {
  return new UpstreamError(
    "CLIENT_CLOSED_REQUEST",
    upstream,
    `The client closed the request; the call to upstream "${upstream}" was abandoned.`,
    { cause },
  );
}

export interface Diagnostic {
  severity: "error" | "warning";
  /** Source name: a file path, or "<sdl>" for a string. */
  file: string;
  /** 1-based; 0 when the problem has no place in a file. */
  line: number;
  column: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const message = d.severity === "warning" ? `warning: ${d.message}` : d.message;
  return d.line > 0 ? `${d.file}:${d.line}:${d.column}: ${message}` : `${d.file}: ${message}`;
}

/** The schema (or the options) failed `trestle check`; `diagnostics` lists every problem. */
export class SchemaError extends TrestleError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const count = diagnostics.length === 1 ? "1 error" : `${diagnostics.length} errors`;
    super("SCHEMA_INVALID", `Trestle schema has ${count}:\n${diagnostics.map(formatDiagnostic).join("\n")}`);
    this.name = "SchemaError";
    this.diagnostics = diagnostics;
  }
}
