// GraphQL Mesh v1 compose config: the upstream's OpenAPI document becomes a subgraph; two
// @resolveTo extensions add the parent-keyed fields, batched into the batch endpoints
// (Mesh docs: "Batching for N+1" / Schema Extensions with keyField + keysArg).
// `npm run compose` (or the runner) writes supergraph.graphql, which hive-gateway serves.
import { defineConfig } from "@graphql-mesh/compose-cli";
import { loadOpenAPISubgraph } from "@omnigraph/openapi";

export const composeConfig = defineConfig({
  output: "supergraph.graphql",
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph("Bench", {
        source: "./openapi.json",
        // Interpolated by the gateway at run time, so one supergraph serves any port.
        endpoint: "{env.UPSTREAM_URL}",
      }),
    },
  ],
  additionalTypeDefs: /* GraphQL */ `
    extend type Post {
      author: User
        @resolveTo(
          sourceName: "Bench"
          sourceTypeName: "Query"
          sourceFieldName: "users"
          keyField: "author_id"
          keysArg: "ids"
          valueKeyField: "id"
        )
    }
    extend type User {
      team: Team
        @resolveTo(
          sourceName: "Bench"
          sourceTypeName: "Query"
          sourceFieldName: "teams"
          keyField: "team_id"
          keysArg: "ids"
          valueKeyField: "id"
        )
    }
  `,
});
