import type { Document } from "yaml";

/** One upstream call a mapping test expects, and the answer the replay upstream gives it. */
export interface MappingExchange {
  request: {
    /** Only this upstream's replay server answers it (needed when several upstreams share paths). */
    upstream?: string;
    method: string;
    /** Path and query, relative to the upstream's base URL, as Trestle sends them. */
    path: string;
    /** Headers the call must carry (a subset; names lower-cased). */
    headers?: Record<string, string>;
    /** The body the call must carry: JSON-equal for a structure, exact for a string. */
    body?: unknown;
  };
  response: {
    status: number;
    headers?: Record<string, string>;
    /** A structure is sent as JSON; a string as it is. */
    body?: unknown;
  };
}

/** An error of `expect.errors`: only the keys written are compared. */
export interface ExpectedError {
  message?: string;
  /** `extensions.code` */
  code?: string;
  path?: Array<string | number>;
}

/** A `*.mapping.yaml` file, read and checked (src/mapping-tests/read-mapping-test.ts). */
export interface MappingTest {
  /** The path as reports show it (relative to the cwd). */
  name: string;
  /** The absolute path, where `--record` writes. */
  path: string;
  operation: string;
  operationName?: string;
  variables: Record<string, unknown>;
  /** Client request headers; values may read `{env.X}`. */
  headers: Record<string, string>;
  /** Absent until recorded. */
  exchanges: MappingExchange[] | undefined;
  /** Absent until recorded. */
  expect: { data: unknown; errors?: ExpectedError[] } | undefined;
  /** The parsed YAML, so that `--record` keeps comments and key order. */
  document: Document;
}

/** How one test went: `failures` empty when it passed. */
export interface MappingTestResult {
  name: string;
  failures: string[];
}
