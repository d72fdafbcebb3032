import { cachePolicy } from "./cache-policy.js";
import { DemoHttpError, notFound } from "./http-error.js";
import { getIntIdList, getIntPath } from "./params.js";
import type { DemoRoute } from "./router.js";
import type { UserRecord } from "./types.js";

/** Users and teams, with batch forms for Trestle's loader, and `/me` for header forwarding. */
export const userRoutes: DemoRoute[] = [
  {
    method: "GET",
    path: "/users",
    handle: ({ data, query }) => ({ body: pickByIds(data.users, getIntIdList(query)), cacheControl: cachePolicy.directory }),
  },
  {
    method: "GET",
    path: "/users/{user_id}",
    handle({ data, params }) {
      const id = getIntPath(params["user_id"] ?? "", "user_id");
      const user = data.users.get(id);
      if (user === undefined) throw notFound(`User ${id} not found`);
      return { body: user, cacheControl: cachePolicy.directory };
    },
  },
  {
    method: "GET",
    path: "/teams",
    handle: ({ data, query }) => ({ body: pickByIds(data.teams, getIntIdList(query)), cacheControl: cachePolicy.directory }),
  },
  {
    method: "GET",
    path: "/teams/{team_id}",
    handle({ data, params }) {
      const id = getIntPath(params["team_id"] ?? "", "team_id");
      const team = data.teams.get(id);
      if (team === undefined) throw notFound(`Team ${id} not found`);
      return { body: team, cacheControl: cachePolicy.directory };
    },
  },
  {
    method: "GET",
    path: "/me",
    handle({ data, headers }) {
      const user = authenticate(data.users, headers.authorization);
      return { body: user, cacheControl: cachePolicy.personal, headers: { vary: "Authorization" } };
    },
  },
];

/**
 * The batch answer: the records whose ids were asked for, in id order (as an SQL
 * `WHERE id IN (...)` would give them), unknown ids left out; everything without `ids`.
 */
function pickByIds<T>(records: Map<number, T>, ids: number[] | undefined): T[] {
  const sorted = [...records.entries()].sort(([a], [b]) => a - b);
  const wanted = ids === undefined ? undefined : new Set(ids);
  return sorted.filter(([id]) => wanted === undefined || wanted.has(id)).map(([, record]) => record);
}

/** Demo bearer tokens name their user: `Authorization: Bearer user-3` is user 3. */
function authenticate(users: Map<number, UserRecord>, authorization: string | undefined): UserRecord {
  // FastAPI's HTTPBearer wording and challenge (RFC 6750 §3).
  const challenge = { "www-authenticate": "Bearer" };
  if (authorization === undefined || authorization.trim() === "") throw new DemoHttpError(401, "Not authenticated", challenge);
  const match = /^bearer\s+user-(\d+)$/i.exec(authorization.trim());
  const user = match?.[1] === undefined ? undefined : users.get(Number(match[1]));
  if (user === undefined) throw new DemoHttpError(401, "Invalid authentication credentials", challenge);
  return user;
}
