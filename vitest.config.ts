import { defineConfig } from "vitest/config";

export default defineConfig({
  // Node resolves "graphql" to its CommonJS build (graphql 16 has no "exports" map), and so do
  // our dependencies; make our own sources load that same copy under Vite, or graphql sees two
  // realms ("Cannot use GraphQLObjectType from another module").
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Memory checks (test/upstream/resilience.test.ts) collect garbage before they measure.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
  },
});
