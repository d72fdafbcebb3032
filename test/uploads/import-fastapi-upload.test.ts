import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/errors.js";
import type { Trestle } from "../../src/index.js";
import { importOpenApi } from "../../src/openapi/import-openapi.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { findFastApiPython } from "../helpers/start-fastapi.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { multipartBody, postMultipart, sha256, uploadParts } from "./multipart-client.js";

/** SDL as one line, commas and the printer's line breaks in argument lists ignored. */
const flat = (text: string) =>
  text
    .replace(/[\s,]+/g, " ")
    .replace(/\( /g, "(")
    .replace(/ \)/g, ")");

/** test/uploads/fastapi_upload_app.py (UploadFile, List[UploadFile], Form) on an ephemeral port. */
async function startVisionService(): Promise<{ url: string; child: ChildProcess }> {
  const app = fileURLToPath(new URL("./fastapi_upload_app.py", import.meta.url));
  const child = spawn(findFastApiPython(), [app], { env: { ...process.env, PYTHONUNBUFFERED: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      const match = /PORT (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`the FastAPI app exited (${code}) before listening: ${stderr}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${url}/openapi.json`);
      return { url, child };
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe("importing a FastAPI service with UploadFile endpoints, then uploading through it (issue #20)", () => {
  let vision: { url: string; child: ChildProcess };
  let sdl: string;
  let trestle: Trestle;
  let served: TrestleServer;
  beforeAll(async () => {
    vision = await startVisionService();
    const document = (await (await fetch(`${vision.url}/openapi.json`)).json()) as unknown;
    const imported = importOpenApi(document, { upstream: "vision", specUrl: `${vision.url}/openapi.json` });
    expect(imported.summary.skipped).toEqual([]);
    sdl = imported.sdl;
    trestle = await createTestTrestle(sdl, { env: { VISION_URL: vision.url } });
    served = await serveTrestle(trestle);
  }, 30_000);
  afterAll(async () => {
    await served?.close();
    await trestle?.close();
    vision?.child.kill();
  });

  it("UP17: imports UploadFile as Upload, List[UploadFile] as [Upload!], Form fields as text parts, and a form body as URLENCODED; trestle check is clean", () => {
    expect(sdl).toMatch(/^scalar Upload$/m);
    expect(flat(sdl)).toContain(
      flat(
        'classify(name: String!, file: Upload!, topK: Int = 3): [Label!] @rest(upstream: "vision", method: POST, path: "/models/{args.name}/classify", form: [{ name: "file", value: "{args.file}" }, { name: "top_k", value: "{args.topK}" }])',
      ),
    );
    expect(flat(sdl)).toContain(
      flat(
        'batch(files: [Upload!]!): [Label!] @rest(upstream: "vision", method: POST, path: "/batch", form: [{ name: "files", value: "{args.files}" }])',
      ),
    );
    expect(flat(sdl)).toContain("formEncoding: URLENCODED");
    const errors = checkSchemaSources([{ name: "vision.graphql", body: sdl }], { VISION_URL: vision.url }).filter(
      (d) => d.severity === "error",
    );
    expect(errors.map(formatDiagnostic)).toEqual([]);
  });

  it("UP17: serves the imported schema: a 2 MB image reaches FastAPI's UploadFile byte-identical, with its filename and media type", async () => {
    const image = randomBytes(2 * 1024 * 1024);
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($file: Upload!) { classify(name: "resnet", file: $file, topK: 2) { label score filename contentType size sha256 } }`,
        { file: null },
        { 0: ["variables.file"] },
        [{ name: "0", filename: "cat.png", type: "image/png", data: image }],
      ),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status, answer.body).toBe(200);
    const digest = sha256(image);
    expect(answer.json.data?.["classify"]).toEqual([
      {
        label: `resnet-${digest.slice(0, 2)}`,
        score: 1,
        filename: "cat.png",
        contentType: "image/png",
        size: image.length,
        sha256: digest,
      },
      {
        label: `resnet-${digest.slice(2, 4)}`,
        score: 0.5,
        filename: "cat.png",
        contentType: "image/png",
        size: image.length,
        sha256: digest,
      },
    ]);
  });

  it("UP17: a list of files reaches List[UploadFile]; a URL-encoded Form endpoint gets its fields", async () => {
    const files = [randomBytes(1000), randomBytes(70_000)];
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($files: [Upload!]!) { batch(files: $files) { filename sha256 } }`,
        { files: [null, null] },
        { a: ["variables.files.0"], b: ["variables.files.1"] },
        files.map((data, i) => ({ name: i === 0 ? "a" : "b", filename: `f${i}.bin`, type: "application/octet-stream", data })),
      ),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status, answer.body).toBe(200);
    expect(answer.json.data?.["batch"]).toEqual(files.map((data, i) => ({ filename: `f${i}.bin`, sha256: sha256(data) })));

    const response = await fetch(`${served.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `mutation { token(username: "ada", password: "s3cret&=") { accessToken tokenType } }` }),
    });
    expect(await response.json()).toEqual({ data: { token: { accessToken: "ada:8", tokenType: "bearer" } } });
  });
});

describe("importing OpenAPI 3.1 file properties (issue #20)", () => {
  it("UP18: contentMediaType, contentEncoding and arrays of binaries are Uploads; an optional file is a nullable Upload; files in a URL-encoded body are skipped with the reason", () => {
    const json = { "application/json": { schema: { type: "object", properties: { ok: { type: "boolean" } } } } };
    const document = {
      openapi: "3.1.0",
      info: { title: "t", version: "1" },
      servers: [{ url: "http://127.0.0.1:1" }],
      paths: {
        "/ping": { get: { operationId: "ping", responses: { "200": { description: "ok", content: json } } } },
        "/transcribe": {
          post: {
            operationId: "transcribe",
            requestBody: {
              required: true,
              content: {
                "multipart/form-data": {
                  schema: {
                    type: "object",
                    required: ["audio", "pages"],
                    properties: {
                      audio: { type: "string", contentMediaType: "audio/wav" },
                      thumbnail: { anyOf: [{ type: "string", contentEncoding: "base64" }, { type: "null" }] },
                      pages: { type: "array", items: { type: "string", format: "binary" } },
                      language: { type: "string" },
                    },
                  },
                },
              },
            },
            responses: { "200": { description: "ok", content: json } },
          },
        },
        "/bad": {
          post: {
            operationId: "bad",
            requestBody: {
              content: {
                "application/x-www-form-urlencoded": {
                  schema: { type: "object", properties: { f: { type: "string", format: "binary" } } },
                },
              },
            },
            responses: { "200": { description: "ok", content: json } },
          },
        },
      },
    };
    const { sdl, summary } = importOpenApi(document, { upstream: "asr" });
    expect(flat(sdl)).toContain(
      flat(
        'transcribe(audio: Upload!, thumbnail: Upload, pages: [Upload!]!, language: String): PingResponse @rest(upstream: "asr", method: POST, path: "/transcribe", form: [{ name: "audio", value: "{args.audio}" }, { name: "thumbnail", value: "{args.thumbnail}" }, { name: "pages", value: "{args.pages}" }, { name: "language", value: "{args.language}" }])',
      ),
    );
    expect(summary.skipped).toEqual([
      {
        method: "POST",
        path: "/bad",
        reason: "request body is application/x-www-form-urlencoded with a file (f); files need multipart/form-data",
      },
    ]);
    expect(
      checkSchemaSources([{ name: "asr.graphql", body: sdl }], {})
        .filter((d) => d.severity === "error")
        .map(formatDiagnostic),
    ).toEqual([]);
  });
});
