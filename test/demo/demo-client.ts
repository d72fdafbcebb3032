import { afterAll, beforeAll, expect } from "vitest";
import { startDemoUpstream, type DemoUpstream, type DemoUpstreamOptions } from "../../src/demo/demo-upstream.js";

/** An answer of the demo upstream, its JSON body parsed (undefined when empty). */
export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface DemoClient {
  readonly upstream: DemoUpstream;
  call(path: string, init?: RequestInit): Promise<Answer>;
  /** A JSON request (POST unless told). */
  send(path: string, body: unknown, method?: string): Promise<Answer>;
}

/** Starts a demo upstream for the enclosing suite (or file) and stops it afterwards. */
export function useDemoUpstream(options: DemoUpstreamOptions = {}): DemoClient {
  let started: DemoUpstream | undefined;
  beforeAll(async () => {
    started = await startDemoUpstream(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  const current = (): DemoUpstream => {
    if (started === undefined) throw new Error("The demo upstream is only running inside the suite's tests");
    return started;
  };
  return {
    get upstream() {
      return current();
    },
    call: (path, init) => request(current(), path, init),
    send: (path, body, method = "POST") =>
      request(current(), path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  };
}

export async function request(target: DemoUpstream, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(target.url + path, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

/** Narrows a JSON value to an object, for reading fields in assertions. */
export function record(value: unknown): Record<string, unknown> {
  expect(value).toBeTypeOf("object");
  expect(Array.isArray(value)).toBe(false);
  return value as Record<string, unknown>;
}

/** Narrows a JSON value to a list of objects. */
export function list(value: unknown): Record<string, unknown>[] {
  expect(Array.isArray(value)).toBe(true);
  return value as Record<string, unknown>[];
}

/** The `loc` of each issue of a FastAPI 422 answer. */
export function issueLocations(answer: Answer): unknown[] {
  expect(answer.status).toBe(422);
  return list(record(answer.body)["detail"]).map((issue) => issue["loc"]);
}
