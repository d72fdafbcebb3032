// The one GraphQL API every system serves, the queries the scenarios send, and the
// answers they must give (computed from the upstream's data, not from any system).
import { createData, predict } from "../upstream/data.mjs";

/** The client-facing schema (what `trestle print-schema` prints for systems/trestle/schema). */
export const typeDefs = /* GraphQL */ `
  type Query {
    user(id: ID!): User
    posts(limit: Int = 50): [Post!]!
  }

  type Mutation {
    predict(input: PredictInput!): Prediction
  }

  type User {
    id: ID!
    name: String!
    email: String!
    team: Team
  }

  type Team {
    id: ID!
    name: String!
    slug: String!
  }

  type Post {
    id: ID!
    title: String!
    author: User
  }

  input PredictInput {
    model: String
    text: String!
  }

  type Prediction {
    model: String!
    label: String!
    score: Float!
    tokens: Int!
  }
`;

export const USER_ID = "42";
export const POST_LIMIT = 50;
export const PREDICT_INPUT = { model: "sentiment-v1", text: "the delivery was fast and the product works great" };

export const queries = {
  user: `{ user(id: "${USER_ID}") { id name email } }`,
  n1: `{ posts(limit: ${POST_LIMIT}) { id title author { id name team { id name } } } }`,
  predict: `mutation { predict(input: { model: "${PREDICT_INPUT.model}", text: "${PREDICT_INPUT.text}" }) { model label score tokens } }`,
};

/** The `{ data }` each query must answer with. */
export function buildExpectedAnswers() {
  const { users, teams, posts } = createData();
  const user = users.get(USER_ID);
  const firstPosts = [...posts.values()].slice(0, POST_LIMIT);
  const prediction = predict(PREDICT_INPUT);
  return {
    user: { data: { user: { id: user.id, name: user.name, email: user.email } } },
    n1: {
      data: {
        posts: firstPosts.map((post) => {
          const author = users.get(post.author_id);
          const team = teams.get(author.team_id);
          return { id: post.id, title: post.title, author: { id: author.id, name: author.name, team: { id: team.id, name: team.name } } };
        }),
      },
    },
    predict: {
      data: { predict: { model: prediction.model, label: prediction.label, score: prediction.score, tokens: prediction.tokens } },
    },
  };
}

/** JSON with object keys sorted, so that answers compare whatever order a system writes. */
export function canonicalJson(value) {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}
