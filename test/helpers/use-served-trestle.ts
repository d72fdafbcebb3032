import type { Server } from "node:http";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "./create-test-trestle.js";
import { startTestUpstream, type TestHandler, type TestUpstream } from "./test-upstream.js";

export interface ServedTrestle {
  upstream: TestUpstream;
  trestle: Trestle;
  /** trestle.handle (or `server`) on an ephemeral 127.0.0.1 port. */
  served: TrestleServer;
  port: number;
}

export interface ServedTrestleSetup {
  /** The recording upstream's handler. */
  upstream: TestHandler;
  /** The SDL, given the upstream's URL. */
  schema: (upstreamUrl: string) => string;
  options?: Partial<TrestleOptions>;
  /** The node:http server to listen with (e.g. createServeServer(trestle, timeouts)); trestle.handle by default. */
  server?: (trestle: Trestle) => Server;
  /** Empty `upstream.requests` before each test (default true). */
  resetRequests?: boolean;
}

/**
 * The start/serve/close triple most suites repeat: registers beforeAll (upstream, trestle,
 * server), afterAll (closed in reverse order) and beforeEach (requests emptied), and returns
 * an object whose fields are set once beforeAll has run: read them inside tests, not at
 * module level.
 */
export function useServedTrestle(setup: ServedTrestleSetup): ServedTrestle {
  const world = {} as ServedTrestle;
  beforeAll(async () => {
    world.upstream = await startTestUpstream(setup.upstream);
    world.trestle = await createTestTrestle(setup.schema(world.upstream.url), setup.options);
    world.served = await serveTrestle(world.trestle, setup.server?.(world.trestle));
    world.port = world.served.port;
  });
  afterAll(async () => {
    await world.served?.close();
    await world.trestle?.close();
    await world.upstream?.close();
  });
  if (setup.resetRequests !== false) {
    beforeEach(() => {
      if (world.upstream) world.upstream.requests.length = 0;
    });
  }
  return world;
}
