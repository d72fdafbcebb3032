import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";
import { describe, expect, it } from "vitest";
import { useServedTrestle } from "../helpers/use-served-trestle.js";
import { pagingSchema, servePages } from "./paging-upstream.js";

const world = useServedTrestle({ upstream: servePages, schema: pagingSchema, options: { cursorSecret: "apollo-test" } });

interface Items {
  edges: Array<{ cursor: string; node: { id: string; displayName: string } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe("Apollo Client's relayStylePagination", () => {
  it.each(["offsetItems", "pageItems", "cursorItems", "linkItems"])(
    "P20: %s: two pages fetched with fetchMore merge into one list in the cache",
    async (field) => {
      const client = new ApolloClient({
        link: new HttpLink({ uri: `http://127.0.0.1:${world.port}/graphql`, fetch }),
        cache: new InMemoryCache({ typePolicies: { Query: { fields: { [field]: relayStylePagination() } } } }),
      });
      const document = gql(`query Items($first: Int!, $after: String) {
        ${field}(first: $first, after: $after) { edges { cursor node { id displayName } } pageInfo { hasNextPage endCursor } }
      }`);
      const watched = client.watchQuery<Record<string, Items>>({ query: document, variables: { first: 4 } });
      // Apollo Client 4's ObservableQuery is an Observable: its first complete result is the first page.
      const page1 = await new Promise<Items>((resolve, reject) => {
        const subscription = watched.subscribe({
          next: (result) => {
            if (result.dataState !== "complete") return;
            subscription.unsubscribe();
            resolve(result.data[field]!);
          },
          error: reject,
        });
      });
      expect(page1.edges.map((e) => e.node.id)).toEqual(["i0", "i1", "i2", "i3"]);
      await watched.fetchMore({ variables: { first: 4, after: page1.pageInfo.endCursor } });
      const merged = watched.getCurrentResult().data![field] as Items;
      expect(merged.edges.map((e) => e.node.id)).toEqual(["i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7"]);
      expect(merged.edges[5]!.node.displayName).toBe("item 5");
      expect(merged.pageInfo.hasNextPage).toBe(true);
      expect(world.upstream.requests.filter((r) => !r.url.startsWith("/owners"))).toHaveLength(2);
      client.stop();
    },
  );
});
