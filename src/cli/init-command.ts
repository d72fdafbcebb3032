import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { directiveDefinitions } from "../sdl/directives.js";
import { serveDefaults } from "../plan/serve-defaults.js";
import type { CliIo } from "./cli-io.js";

export const initUsage = `Usage: trestle init [DIR]

Writes a schema folder (default: ${serveDefaults.schema}): an example upstream and field, a mapping test,
trestle-directives.graphql (what trestle print-directives prints) and graphql.config.yml, which points
GraphQL editors (VS Code, JetBrains) at both, so directives complete and unknown ones are flagged.
Never overwrites a file. Docs: docs/mapping-tests.md`;

const upstreams = `# The REST services behind this BFF. Set API_URL to point "api" elsewhere.
extend schema
  @upstream(
    name: "api"
    baseUrl: "{env.API_URL:-https://jsonplaceholder.typicode.com}"
    timeoutMs: 5000
    # The caller's bearer token, forwarded (never written by \`trestle test --record\`).
    headers: [{ name: "authorization", from: "authorization" }]
  )
`;

const users = `type Query {
  """A user by id: GET /users/{id} on the "api" upstream."""
  user(id: ID!): User @rest(upstream: "api", path: "/users/{args.id}")
}

type User {
  id: ID!
  name: String!
  email: String
}
`;

const mappingTest = `# A mapping test: \`trestle test\` serves the schema against these recorded upstream calls and
# compares the result; \`trestle test --record\` refills exchanges and expect from the real upstream.
operation: |
  query User($id: ID!) {
    user(id: $id) { id name email }
  }
variables: { id: "1" }
exchanges:
  - request: { method: GET, path: /users/1 }
    response:
      status: 200
      body: { id: 1, name: Leanne Graham, email: Sincere@april.biz }
expect:
  data:
    user: { id: "1", name: Leanne Graham, email: Sincere@april.biz }
`;

const graphqlConfig = `# For GraphQL editors (the GraphQL Language Server of VS Code's GraphQL extension, JetBrains'
# GraphQL plugin): the schema is every .graphql file here, Trestle's directives included
# (trestle-directives.graphql, written by \`trestle print-directives\`), so that directives
# complete and unknown ones are flagged.
schema: "**/*.graphql"
`;

/** `trestle init [DIR]`: scaffolds a schema folder; refuses (exit 1) when one of its files exists. */
export async function runInit(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { help: { type: "boolean", short: "h", default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout(initUsage);
    return 0;
  }
  if (positionals.length > 1) {
    io.stderr(`trestle init: expected at most one folder, received ${positionals.length}: ${positionals.join(" ")}\n\n${initUsage}`);
    return 1;
  }
  const dir = positionals[0] ?? serveDefaults.schema;
  const files: Record<string, string> = {
    "upstreams.graphql": upstreams,
    "users.graphql": users,
    "tests/user.mapping.yaml": mappingTest,
    "trestle-directives.graphql": directiveDefinitions,
    "graphql.config.yml": graphqlConfig,
  };
  const paths = Object.keys(files).map((name) => join(dir, name));
  const existing = (
    await Promise.all(paths.map(async (path) => ((await stat(resolve(io.cwd, path)).catch(() => undefined)) ? path : undefined)))
  ).filter((path) => path !== undefined);
  if (existing.length > 0) {
    io.stderr(`trestle init: refusing to overwrite ${existing.join(", ")}; choose another folder or move them away`);
    return 1;
  }
  for (const [name, text] of Object.entries(files)) {
    const path = resolve(io.cwd, dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { flag: "wx" });
  }
  io.stdout(
    `wrote ${paths.join(", ")}\n` +
      `next: trestle test --schema ${dir} (the mapping test), trestle serve --schema ${dir}; open ${dir} in an editor with a GraphQL extension`,
  );
  return 0;
}
