import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImportOpenApi } from "../../src/cli/import-openapi-command.js";

const petstore = {
  openapi: "3.0.3",
  info: { title: "Pets", version: "1" },
  servers: [{ url: "/v1" }],
  paths: {
    "/pets": {
      get: {
        operationId: "listPets",
        responses: {
          "200": {
            description: "ok",
            content: { "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/Pet" } } } },
          },
        },
      },
      post: {
        operationId: "addPet",
        requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Pet" } } } },
        responses: { "201": { description: "ok" } },
      },
    },
  },
  components: { schemas: { Pet: { type: "object", properties: { name: { type: "string" } } } } },
};

const brokenRef = `openapi: 3.0.3
info: { title: Pets, version: "1" }
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Missing"
components:
  schemas:
    Pet: { type: object }
`;

let dir: string;
let server: Server;
let origin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "trestle-import-"));
  await writeFile(join(dir, "petstore.json"), JSON.stringify(petstore, null, 2));
  await writeFile(join(dir, "not-openapi.json"), '{\n  "name": "demo",\n  "version": 1\n}\n');
  await writeFile(join(dir, "broken-ref.yaml"), brokenRef);
  await writeFile(join(dir, "bad.yaml"), "openapi: 3.0.3\ninfo:\n  title: [unclosed\npaths: {}\n");
  await writeFile(join(dir, "bad.json"), '{\n  "openapi": "3.0.3",\n  "paths": {\n    "/a": }\n}\n');
  server = createServer((request, response) => {
    if (request.url === "/openapi.json") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(petstore));
    } else if (request.url === "/openapi.yaml") {
      response.writeHead(200, { "content-type": "application/yaml" }).end(brokenRef);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runImportOpenApi(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd: dir, env: {} });
  return { code, stdout, stderr };
}

/** A port nothing listens on: bound by us, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("trestle import openapi", () => {
  it("writes the SDL to stdout and the summary to stderr", async () => {
    const { code, stdout, stderr } = await run("petstore.json", "--upstream", "pets", "--base-url", "http://127.0.0.1:4010/v1");
    expect(code).toBe(0);
    expect(stdout).toContain('@upstream(name: "pets", baseUrl: "http://127.0.0.1:4010/v1")');
    expect(stdout).toContain('listPets: [Pet!] @rest(upstream: "pets", path: "/pets")');
    expect(stderr).toBe("imported 2 operations, skipped 0\n");
  });

  it("reads a spec over http and resolves its relative server against the spec's URL", async () => {
    const { code, stdout } = await run(`${origin}/openapi.json`, "--upstream", "pets");
    expect(code).toBe(0);
    expect(stdout).toContain(`baseUrl: "{env.PETS_URL:-${origin}/v1}"`);
  });

  it("writes -o FILE whole, replacing what was there and leaving no temporary file", async () => {
    await writeFile(join(dir, "out.graphql"), "# old\n");
    const { code, stdout, stderr } = await run("petstore.json", "--upstream", "pets", "-o", "out.graphql");
    expect([code, stdout, stderr]).toEqual([
      0,
      "",
      'trestle import openapi: warning: the spec\'s server "/v1" is not an absolute http(s) URL; the base URL defaults to http://localhost/v1: set PETS_URL or pass --base-url\nimported 2 operations, skipped 0\n',
    ]);
    expect(await readFile(join(dir, "out.graphql"), "utf8")).toMatch(
      /^# Imported by `trestle import openapi` from "Pets" 1 \(OpenAPI 3\.0\.3\)\./,
    );
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("leaves an existing output file as it was when the import fails", async () => {
    await writeFile(join(dir, "kept.graphql"), "# keep me\n");
    const { code } = await run("broken-ref.yaml", "--upstream", "pets", "-o", "kept.graphql");
    expect(code).toBe(1);
    expect(await readFile(join(dir, "kept.graphql"), "utf8")).toBe("# keep me\n");
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("takes --enums string, and refuses another value naming the two it takes", async () => {
    const open = await run("petstore.json", "--upstream", "pets", "--enums", "string");
    expect(open.code).toBe(0);
    const bad = await run("petstore.json", "--upstream", "pets", "--enums", "open");
    expect(bad).toEqual({
      code: 1,
      stdout: "",
      stderr: 'trestle import openapi: --enums takes "enum" (the default) or "string", received "open" (see --help)\n',
    });
  });

  it("prints usage for --help", async () => {
    const { code, stdout } = await run("--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Usage: trestle import openapi SPEC --upstream NAME \[--base-url URL\] \[--prefix P\] \[--enums string\] \[-o FILE\]/,
    );
  });
});

describe("trestle import openapi: bad input gives one line with the place, and exit code 1", () => {
  const cases: Array<[string, () => string[], string | RegExp]> = [
    [
      "a spec that is not OpenAPI",
      () => ["not-openapi.json", "--upstream", "x"],
      'not-openapi.json:1:1: not an OpenAPI document: expected a top-level "openapi: 3.x" or "swagger: 2.0" field, found keys name, version',
    ],
    [
      "a broken $ref",
      () => ["broken-ref.yaml", "--upstream", "x"],
      'broken-ref.yaml:12:23: broken $ref "#/components/schemas/Missing" at #/paths/~1pets/get/responses/200/content/application~1json/schema/$ref: #/components/schemas has no "Missing" (it has: Pet)',
    ],
    [
      "a broken $ref in a spec read over http",
      () => [`${origin}/openapi.yaml`, "--upstream", "x"],
      /^http:\/\/127\.0\.0\.1:\d+\/openapi\.yaml:12:23: broken \$ref "#\/components\/schemas\/Missing" at #\/paths/,
    ],
    ["a YAML syntax error", () => ["bad.yaml", "--upstream", "x"], /^bad\.yaml:4:1: YAML syntax error: .+$/],
    ["a JSON syntax error", () => ["bad.json", "--upstream", "x"], 'bad.json:4:11: JSON syntax error: expected a value, found "}"'],
    ["a missing file", () => ["nope.yaml", "--upstream", "x"], "nope.yaml: cannot read the spec: no such file"],
    [
      "an http error",
      () => [`${origin}/missing.json`, "--upstream", "x"],
      /^http:\/\/127\.0\.0\.1:\d+\/missing\.json: cannot fetch the spec: the server answered 404 Not Found$/,
    ],
    [
      "a missing --upstream",
      () => ["petstore.json"],
      "--upstream NAME is required: the @upstream name the generated fields call (e.g. --upstream petstore)",
    ],
    [
      "an unknown option",
      () => ["petstore.json", "--upstream", "x", "--namespace", "a"],
      /^Unknown option '--namespace'.* \(see --help\)$/,
    ],
    [
      "two specs",
      () => ["a.yaml", "b.yaml", "--upstream", "x"],
      "expected one SPEC (a file path or http(s) URL), received a.yaml b.yaml (see --help)",
    ],
    [
      "a bad upstream name",
      () => ["petstore.json", "--upstream", "my pets"],
      'upstream name must be letters, digits, "_" or "-" (it names /rest/<upstream>/ routes), received "my pets"',
    ],
    [
      "a bad --base-url",
      () => ["petstore.json", "--upstream", "x", "--base-url", "localhost:4010"],
      '--base-url must be an absolute http:// or https:// URL, received "localhost:4010"',
    ],
    [
      "an output folder that does not exist",
      () => ["petstore.json", "--upstream", "x", "-o", "no/such/dir/out.graphql"],
      "cannot write no/such/dir/out.graphql: its directory does not exist",
    ],
  ];

  it.each(cases)("%s", async (_, argv, expected) => {
    const { code, stdout, stderr } = await run(...argv());
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^trestle import openapi: [^\n]+\n$/);
    const message = stderr.slice("trestle import openapi: ".length, -1);
    if (typeof expected === "string") expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  it("an unreachable URL (a closed port on loopback)", async () => {
    const port = await closedPort();
    const { code, stderr } = await run(`http://127.0.0.1:${port}/openapi.json`, "--upstream", "x");
    expect(code).toBe(1);
    expect(stderr).toBe(
      `trestle import openapi: http://127.0.0.1:${port}/openapi.json: cannot fetch the spec: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });
});
