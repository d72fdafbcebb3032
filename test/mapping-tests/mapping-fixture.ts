import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";

/** The schema of the mapping-test suites: one upstream "api", a query with a batched child, a mutation. */
export const shopSdl = `extend schema
  @upstream(
    name: "api"
    baseUrl: "{env.SHOP_URL:-http://127.0.0.1:9}"
    headers: [
      { name: "x-api-key", value: "{env.API_KEY}" }
      { name: "authorization", from: "authorization" }
      { name: "x-client", value: "mapping-tests" }
    ]
  )
type Query {
  product(id: ID!): Product @rest(upstream: "api", path: "/products/{args.id}")
}
type Mutation {
  rename(id: ID!, name: String!): Product
    @rest(upstream: "api", method: PATCH, path: "/products/{args.id}", body: "{\\"name\\": {args.name}}")
}
type Product {
  id: ID!
  name: String!
  maker: Maker @rest(upstream: "api", path: "/makers/{parent.maker_id}")
}
type Maker {
  id: ID!
  name: String!
}
`;

/** A folder holding `files` (name → text), e.g. a schema and its tests. */
export async function writeFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "trestle-maptest-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Runs the CLI with captured output; `lines` is stdout then stderr, one entry per line. */
export async function runCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(...t.split("\n")), stderr: (t) => err.push(...t.split("\n")), cwd, env };
  const code = await main(args, io);
  return { code, out, err, text: [...out, ...err].join("\n") };
}
