import { afterAll, beforeAll } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "./create-test-trestle.js";
import { startStreamingUpstream, type StreamCall, type StreamingUpstream } from "./streaming-upstream.js";

export interface StreamingWorld {
  upstream: StreamingUpstream;
  trestle: Trestle;
  served: TrestleServer;
}

/**
 * A suite's world for streaming tests: before the suite, a streaming upstream (`onCall` may
 * script its calls), a Trestle on `schema(upstream.url)` with `options`, served on 127.0.0.1,
 * handed to `take`; after it, all three closed.
 */
export function useStreamingTrestle(
  schema: (upstreamUrl: string) => string,
  take: (world: StreamingWorld) => void,
  options: Partial<TrestleOptions> = {},
  onCall?: (call: StreamCall) => void,
): void {
  let world: StreamingWorld | undefined;
  beforeAll(async () => {
    const upstream = await startStreamingUpstream(onCall);
    const trestle = await createTestTrestle(schema(upstream.url), options);
    world = { upstream, trestle, served: await serveTrestle(trestle) };
    take(world);
  });
  afterAll(async () => {
    await world?.served.close();
    await world?.trestle.close();
    await world?.upstream.close();
  });
}
