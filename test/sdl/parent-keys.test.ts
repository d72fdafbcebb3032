import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";

// Issue 17: `{parent.X}` reads the parent's raw upstream JSON, so naming the GraphQL field where
// the upstream key differs passed `check` and was silently null at run time. Now a warning.

const snake = `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010", naming: SNAKE_CASE)\n`;
const asIs = `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010")\n`;
const root = `type Query { model: Model @rest(path: "/model") }\ntype User { id: ID }\n`;

function check(sdl: string): string[] {
  return checkSchemaSources([{ name: "s.graphql", body: sdl }], {}).map(formatDiagnostic);
}

describe("{parent.X} that names a field whose upstream key differs", () => {
  it("warns under naming: SNAKE_CASE, at the variable, with the key to write", () => {
    expect(check(`${snake}${root}type Model { ownerId: ID owner: User @rest(path: "/users/{parent.ownerId}") }`)).toEqual([
      's.graphql:4:58: warning: {parent.ownerId} reads the upstream key "ownerId", but field Model.ownerId reads "owner_id" (naming: SNAKE_CASE); write {parent.owner_id}',
    ]);
  });

  it("warns under @from, with the dot path to write (query, body and batch paths alike)", () => {
    const model = (rest: string) => `${asIs}${root}type Model { ownerId: ID @from(path: "owner.id") owner: User ${rest} }`;
    const warning = (column: number) =>
      `s.graphql:4:${column}: warning: {parent.ownerId} reads the upstream key "ownerId", but field Model.ownerId reads "owner.id" (@from(path: "owner.id")); write {parent.owner.id}`;
    expect(check(model(`@rest(path: "/users?id={parent.ownerId}")`))).toEqual([warning(85)]);
    expect(check(model(`@rest(method: POST, path: "/users/find", body: "{\\"id\\": {parent.ownerId}}")`))).toEqual([warning(119)]);
    expect(check(model(`@rest(path: "/users/{parent.ownerId}", batch: { path: "/users?ids={keys*}", key: "id" })`))).toEqual([warning(82)]);
  });

  it("says nothing where the key is right or unknown", () => {
    const ok = [
      // The upstream key itself.
      `${snake}${root}type Model { ownerId: ID owner: User @rest(path: "/users/{parent.owner_id}") }`,
      // AS_IS: the field name is the key.
      `${asIs}${root}type Model { ownerId: ID owner: User @rest(path: "/users/{parent.ownerId}") }`,
      // A key no field declares: a raw key the schema does not expose, not known to be wrong.
      `${snake}${root}type Model { name: String owner: User @rest(path: "/users/{parent.createdBy}") }`,
      // A path into an object another field reads (meta.stage), and the @from path itself.
      `${asIs}${root}type Model { stage: String @from(path: "meta.stage") a: User @rest(path: "/u/{parent.meta.owner}") b: User @rest(path: "/u/{parent.meta.stage}") }`,
      // A field whose name is also another field's key.
      `${snake}${root}type Model { ownerId: ID @from(path: "owner") owner: User @rest(path: "/users/{parent.owner}") }`,
    ];
    for (const sdl of ok) expect(check(sdl), sdl).toEqual([]);
  });

  it("is a warning: the schema still builds", () => {
    const diagnostics = checkSchemaSources(
      [{ name: "s.graphql", body: `${snake}${root}type Model { ownerId: ID owner: User @rest(path: "/users/{parent.ownerId}") }` }],
      {},
    );
    expect(diagnostics.map((d) => d.severity)).toEqual(["warning"]);
  });
});
