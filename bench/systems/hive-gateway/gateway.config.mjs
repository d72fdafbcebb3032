// Hive Gateway config, read by the `hive-gateway supergraph` CLI (the docs' way to serve a
// Mesh-composed supergraph). The HTTP cache plugin honours the upstream's Cache-Control
// (docs: Performance & Caching -> HTTP caching); the default cache storage is in memory.
import { defineConfig, useHttpCache } from "@graphql-hive/gateway";

export const gatewayConfig = defineConfig({
  supergraph: "./supergraph.graphql",
  // One process, like every other system in the benchmark (the CLI's default is 1 too).
  fork: 1,
  graphiql: false,
  plugins: (ctx) => [useHttpCache({ ...ctx })],
});
