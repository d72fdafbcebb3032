import type { UpstreamRequest } from "../connector/build-request.js";
import type { UpstreamPlan } from "../sdl/schema-plan.js";
import { UpstreamClient, type UpstreamResponse } from "./upstream-client.js";

/**
 * The instance-wide end of the request pipeline (build → load → **cache → send**): every
 * upstream call of every operation, GraphQL field or passthrough route, goes through `send`.
 * It owns one UpstreamClient (connection pool) per upstream.
 */
export interface UpstreamPipeline {
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  client(upstream: string): UpstreamClient;
  close(): Promise<void>;
}

export function createUpstreamPipeline(upstreams: Iterable<UpstreamPlan>): UpstreamPipeline {
  const clients = new Map<string, UpstreamClient>();
  for (const upstream of upstreams) clients.set(upstream.name, new UpstreamClient(upstream));
  const client = (name: string) => {
    const found = clients.get(name);
    if (found === undefined) throw new Error(`No upstream client named "${name}"`);
    return found;
  };
  return {
    send: (request) => client(request.upstream.name).send(request),
    client,
    close: async () => {
      await Promise.all([...clients.values()].map((c) => c.close()));
    },
  };
}
