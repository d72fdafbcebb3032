// Apollo Server 5 with @apollo/datasource-rest, written the way their docs show:
// - a RESTDataSource subclass per REST API, created per request in the context function
//   with the server's cache (`new BenchAPI({ cache })`), so GETs are de-duplicated per
//   request and cached across requests following the upstream's Cache-Control;
// - DataLoader inside the data source for the batch endpoints (datasource-rest README,
//   "Using with DataLoader");
// - startStandaloneServer (Apollo Server docs, "Get started").
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { RESTDataSource } from "@apollo/datasource-rest";
import DataLoader from "dataloader";
import { typeDefs } from "../../lib/api.mjs";

class BenchAPI extends RESTDataSource {
  baseURL = (process.env.UPSTREAM_URL ?? "http://127.0.0.1:4100") + "/";

  usersLoader = new DataLoader(async (ids) => {
    const users = await this.get("users", { params: { ids: ids.join(",") } });
    return ids.map((id) => users.find((user) => user.id === id) ?? null);
  });

  teamsLoader = new DataLoader(async (ids) => {
    const teams = await this.get("teams", { params: { ids: ids.join(",") } });
    return ids.map((id) => teams.find((team) => team.id === id) ?? null);
  });

  getUser(id) {
    return this.get(`users/${encodeURIComponent(id)}`);
  }

  getPosts(limit) {
    return this.get("posts", { params: { limit: String(limit) } });
  }

  predict(input) {
    return this.post("predict", { body: input });
  }
}

const resolvers = {
  Query: {
    user: (_, { id }, { dataSources }) => dataSources.bench.getUser(id),
    posts: (_, { limit }, { dataSources }) => dataSources.bench.getPosts(limit),
  },
  Mutation: {
    predict: (_, { input }, { dataSources }) => dataSources.bench.predict({ ...input }),
  },
  Post: {
    author: (post, _, { dataSources }) => dataSources.bench.usersLoader.load(post.author_id),
  },
  User: {
    team: (user, _, { dataSources }) => dataSources.bench.teamsLoader.load(user.team_id),
  },
};

const server = new ApolloServer({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 4000), host: "127.0.0.1" },
  context: async () => {
    const { cache } = server;
    return { dataSources: { bench: new BenchAPI({ cache }) } };
  },
});
console.log(`apollo ready on ${url}`);
