// What a competent team writes by hand with Trestle's own core packages: graphql-yoga,
// per-request DataLoaders on the batch endpoints (DataLoader README: "create a new
// DataLoader per request"), and one shared lru-cache of upstream GET answers that follows
// the upstream's Cache-Control max-age (and stores nothing on no-store).
import { createServer } from "node:http";
import DataLoader from "dataloader";
import { createSchema, createYoga } from "graphql-yoga";
import { LRUCache } from "lru-cache";
import { typeDefs } from "../../lib/api.mjs";

const upstream = process.env.UPSTREAM_URL ?? "http://127.0.0.1:4100";
const cache = new LRUCache({ max: 10_000, ttlAutopurge: false });

async function getJson(path) {
  const url = upstream + path;
  const cached = cache.get(url);
  if (cached !== undefined) return cached;
  const response = await fetch(url, { headers: { accept: "application/json" } });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
  const body = await response.json();
  const maxAge = parseMaxAge(response.headers.get("cache-control"));
  if (maxAge > 0) cache.set(url, body, { ttl: maxAge * 1000 });
  return body;
}

async function postJson(path, body) {
  const response = await fetch(upstream + path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}`);
  return response.json();
}

function parseMaxAge(header) {
  if (header === null || /(?:^|,)\s*(?:no-store|no-cache|private)\b/i.test(header)) return 0;
  const match = /(?:^|,)\s*max-age=(\d+)/i.exec(header);
  return match === null ? 0 : Number(match[1]);
}

/** A loader on a batch endpoint (`/users?ids=1,2`), answers matched back to keys by id. */
function batchLoader(collection) {
  return new DataLoader(async (ids) => {
    const items = await getJson(`/${collection}?ids=${ids.map(encodeURIComponent).join(",")}`);
    const byId = new Map(items.map((item) => [item.id, item]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

const resolvers = {
  Query: {
    user: (_, { id }) => getJson(`/users/${encodeURIComponent(id)}`),
    posts: (_, { limit }) => getJson(`/posts?limit=${limit}`),
  },
  Mutation: {
    predict: (_, { input }) => postJson("/predict", input),
  },
  Post: {
    author: (post, _, { loaders }) => loaders.users.load(post.author_id),
  },
  User: {
    team: (user, _, { loaders }) => loaders.teams.load(user.team_id),
  },
};

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers }),
  context: () => ({ loaders: { users: batchLoader("users"), teams: batchLoader("teams") } }),
  graphiql: false,
  logging: false,
});

const port = Number(process.env.PORT ?? 4000);
createServer(yoga).listen(port, "127.0.0.1", () => console.log(`yoga ready on http://127.0.0.1:${port}/graphql`));
