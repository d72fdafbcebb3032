/**
 * The SDL that declares Trestle's directives. Users get it from `trestle print-directives`
 * (or the `directives.graphql` file in the package) so editors and linters can validate
 * their schema; Trestle adds it to every schema it loads.
 */
export const directiveDefinitions = /* GraphQL */ `
"""HTTP methods an upstream call or a passthrough route may use."""
enum TrestleHttpMethod { GET HEAD POST PUT PATCH DELETE OPTIONS }

"""How GraphQL field names map to the upstream's JSON keys."""
enum TrestleNaming {
  """Field names are the JSON keys (default)."""
  AS_IS
  """camelCase fields read and write snake_case keys (latestVersion <-> latest_version)."""
  SNAKE_CASE
}

"""Who may share a cached upstream answer."""
enum TrestleCacheScope { PUBLIC PRIVATE }

"""A header sent upstream: a fixed \`value\` (templates allowed) or one forwarded \`from\` a client header."""
input TrestleHeader { name: String!, value: String, from: String }

"""Opens /rest/<upstream>/... for these methods and path globs (* one segment, ** any depth)."""
input TrestlePassthrough {
  methods: [TrestleHttpMethod!] = [GET]
  paths: [String!]!
  """Pass the upstream's Set-Cookie headers to the client."""
  setCookie: Boolean = false
  """Largest request body forwarded, in bytes (default 10485760); larger ones are refused with 413."""
  maxRequestBytes: Int
}

input TrestleRetry { attempts: Int, backoffMs: Int }
input TrestleBreaker { failures: Int, resetMs: Int }
input TrestleCache { maxAge: Int, scope: TrestleCacheScope, staleWhileRevalidate: Int }

"""A batch endpoint that answers many keys in one call."""
input TrestleBatch {
  """Path template taking the collected keys: {keys} (comma-joined) or {keys*} (repeated parameter)."""
  path: String!
  """Raw JSON key (or dot path) of each answer item that holds its key."""
  key: String!
  maxSize: Int = 100
  method: TrestleHttpMethod = GET
  """JSON body template for POST batch endpoints, e.g. "{\\"ids\\": {keys}}"."""
  body: String
  """Dot path to the list (or keyed object) inside the answer."""
  select: String
}

"""A named REST service. Repeatable, on the schema (\`extend schema @upstream(...)\`)."""
directive @upstream(
  name: String!
  """Absolute http(s) URL; {env.X} and {env.X:-default} are interpolated."""
  baseUrl: String!
  naming: TrestleNaming = AS_IS
  """One attempt, from sending to the answer's last byte."""
  timeoutMs: Int
  headers: [TrestleHeader!]
  passthrough: TrestlePassthrough
  retry: TrestleRetry
  breaker: TrestleBreaker
  maxConcurrency: Int
  maxResponseBytes: Int
  cache: TrestleCache
) repeatable on SCHEMA

"""Resolve this field with a call to an upstream REST endpoint."""
directive @rest(
  """The @upstream name; may be left out when the schema declares exactly one."""
  upstream: String
  method: TrestleHttpMethod = GET
  """Path and query template: /models/{args.name}?limit={args.limit}"""
  path: String!
  """"{args.input}" (that value is the body) or a JSON template whose {...} stand for JSON values."""
  body: String
  headers: [TrestleHeader!]
  """Dot path into the answer."""
  select: String
  batch: TrestleBatch
) on FIELD_DEFINITION

"""Read this field from another key or dot path of the upstream JSON."""
directive @from(path: String!) on FIELD_DEFINITION

"""The upstream's JSON value for this enum value, where it is not a valid GraphQL name ("gpt-4o" → GPT_4O)."""
directive @enumValue(value: String!) on ENUM_VALUE

"""Cache this field's upstream answer, overriding the upstream's Cache-Control."""
directive @cache(maxAge: Int, scope: TrestleCacheScope, staleWhileRevalidate: Int) on FIELD_DEFINITION
`;

/** Names of every directive and type that {@link directiveDefinitions} declares. */
export const trestleDirectiveNames = new Set(["upstream", "rest", "from", "cache", "enumValue"]);
export const trestleTypeNames = new Set([
  "TrestleHttpMethod",
  "TrestleNaming",
  "TrestleCacheScope",
  "TrestleHeader",
  "TrestlePassthrough",
  "TrestleRetry",
  "TrestleBreaker",
  "TrestleCache",
  "TrestleBatch",
]);
