/**
 * Cache-Control of the demo's GET answers (RFC 9111 §5.2.2). Models are stable and
 * validated with ETags; users and teams change rarely; pipeline state changes on
 * every trigger, so it must be revalidated; `/me` depends on the caller.
 */
export const cachePolicy = {
  models: "public, max-age=30",
  experiments: "public, max-age=60",
  runs: "public, max-age=15",
  pipelines: "no-cache",
  directory: "public, max-age=60",
  personal: "private, no-store",
  openapi: "public, max-age=300",
  health: "no-store",
} as const;
