import { defineConfig } from "vitest/config";

export default defineConfig({
  // Node resolves "graphql" to its CommonJS build (graphql 16 has no "exports" map), and so do
  // our dependencies; make our own sources load that same copy under Vite, or graphql sees two
  // realms ("Cannot use GraphQLObjectType from another module").
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    // Test files share their worker's module cache (collecting took ~40 s of a 160 s run when each
    // file loaded everything anew): every file starts and stops its own servers and instances, and
    // leaves no global state behind.
    isolate: false,
    hookTimeout: 20_000,
    // Memory checks (test/upstream/resilience.test.ts) collect garbage before they measure.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
  },
});
