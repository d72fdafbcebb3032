import { describe, expect, it } from "vitest";
import { issueLocations, list, useDemoUpstream } from "./demo-client.js";

const demo = useDemoUpstream();

const ids = (path: string): Promise<unknown[]> => demo.call(path).then((answer) => list(answer.body).map((item) => item["id"]));

describe("users", () => {
  it("answers one user, cacheable for a minute", async () => {
    const answer = await demo.call("/users/3");
    expect(answer.body).toEqual({ id: 3, name: "Barbara Knuth", email: "barbara.knuth@example.com", team_id: 4 });
    expect(answer.headers.get("cache-control")).toBe("public, max-age=60");
  });

  it("answers 404 for an unknown id and 422 for one that is not an integer", async () => {
    expect(await demo.call("/users/999")).toMatchObject({ status: 404, body: { detail: "User 999 not found" } });
    expect(issueLocations(await demo.call("/users/abc"))).toEqual([["path", "user_id"]]);
  });

  it.each([
    ["comma-joined", "/users?ids=3,1,999", [1, 3]],
    ["repeated", "/users?ids=2&ids=1&ids=999", [1, 2]],
    ["both", "/users?ids=5,4&ids=6", [4, 5, 6]],
    ["with duplicates and spaces", "/users?ids=7,%207,7", [7]],
    ["only unknown", "/users?ids=0,61", []],
  ])("answers a batch of ids, %s, in id order without unknown ids", async (_form, path, expected) => {
    expect(await ids(path)).toEqual(expected);
  });

  it("refuses a batch id that is not an integer with 422", async () => {
    expect(issueLocations(await demo.call("/users?ids=1,x"))).toEqual([["query", "ids", 1]]);
  });

  it("lists all 60 users without ids, with distinct emails", async () => {
    const users = list((await demo.call("/users")).body);
    expect(users).toHaveLength(60);
    expect(new Set(users.map((user) => user["email"])).size).toBe(60);
  });
});

describe("teams", () => {
  it("answers one team, or 404", async () => {
    expect((await demo.call("/teams/2")).body).toEqual({ id: 2, name: "Search Ranking", slug: "search-ranking" });
    expect(await demo.call("/teams/99")).toMatchObject({ status: 404, body: { detail: "Team 99 not found" } });
  });

  it("answers a batch of ids in both forms", async () => {
    expect(await ids("/teams?ids=3,1,42")).toEqual([1, 3]);
    expect(await ids("/teams?ids=2&ids=6")).toEqual([2, 6]);
    expect((await demo.call("/teams?ids=2")).headers.get("cache-control")).toBe("public, max-age=60");
  });
});

describe("GET /me", () => {
  it("answers the user named by the bearer token, privately", async () => {
    const answer = await demo.call("/me", { headers: { authorization: "Bearer user-3" } });
    expect(answer).toMatchObject({ status: 200, body: { id: 3, name: "Barbara Knuth" } });
    expect(answer.headers.get("cache-control")).toBe("private, no-store");
    expect(answer.headers.get("vary")).toBe("Authorization");
  });

  it("answers 401 without a token", async () => {
    const answer = await demo.call("/me");
    expect(answer).toMatchObject({ status: 401, body: { detail: "Not authenticated" } });
    expect(answer.headers.get("www-authenticate")).toBe("Bearer");
  });

  it.each(["Bearer user-999", "Bearer nope", "Basic dXNlci0zOg=="])("answers 401 to %s", async (authorization) => {
    expect(await demo.call("/me", { headers: { authorization } })).toMatchObject({
      status: 401,
      body: { detail: "Invalid authentication credentials" },
    });
  });
});
