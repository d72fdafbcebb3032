import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { multipartBody, postMultipart, sha256, uploadParts } from "./multipart-client.js";
import { startMultipartUpstream, type MultipartUpstream } from "./multipart-upstream.js";
import { uploadSchema } from "./upload-schema.js";
import { until } from "../helpers/gate.js";

async function spilledFiles(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith("trestle-upload-"));
}

const partsQuery = "parts { name filename mimetype size sha256 text } body";

describe("uploads through GraphQL, multipart upstream (issue #20)", () => {
  let upstream: MultipartUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  beforeAll(async () => {
    upstream = await startMultipartUpstream((request, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ parts: request.parts, body: request.body ?? null }));
    });
    trestle = await createTestTrestle(uploadSchema(upstream.url));
    served = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await served.close();
    await trestle.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  it("UP01: a 2 MB binary arrives byte-identical (sha256), with its filename and media type, next to a text part", async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($image: Upload!) { classify(model: "resnet", image: $image, topK: 3) { ${partsQuery} } }`,
        { image: null },
        { 0: ["variables.image"] },
        [{ name: "0", filename: "cat photo.png", type: "image/png", data }],
      ),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(200);
    expect(answer.json.errors).toBeUndefined();
    const [request] = upstream.received;
    expect(request?.url).toBe("/models/resnet/classify");
    expect(request?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=trestle-[0-9a-f]{32}$/);
    // Streamed: chunked, no Content-Length.
    expect(request?.headers["transfer-encoding"]).toBe("chunked");
    expect(request?.headers["content-length"]).toBeUndefined();
    expect(request?.parts).toEqual([
      { name: "file", filename: "cat photo.png", mimetype: "image/png", size: data.length, sha256: sha256(data) },
      { name: "top_k", text: "3" },
    ]);
    expect((answer.json.data?.["classify"] as { parts: unknown[] }).parts).toHaveLength(2);
  });

  it("UP02: two files in one request go as two file parts, and a text template part between them", async () => {
    const a = randomBytes(70_000);
    const b = Buffer.from("second file");
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($a: Upload!, $b: Upload!) { pair(a: $a, b: $b, note: "hello") { ${partsQuery} } }`,
        { a: null, b: null },
        { x: ["variables.a"], y: ["variables.b"] },
        [
          { name: "x", filename: "a.bin", type: "application/octet-stream", data: a },
          { name: "y", filename: "b.txt", type: "text/plain", data: b },
        ],
      ),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(200);
    expect(upstream.received[0]?.parts).toEqual([
      { name: "first", filename: "a.bin", mimetype: "application/octet-stream", size: a.length, sha256: sha256(a) },
      { name: "second", filename: "b.txt", mimetype: "text/plain", size: b.length, sha256: sha256(b) },
      { name: "note", text: "note: hello" },
    ]);
  });

  it("UP03: a list of Uploads gives one file part each, in the list's order", async () => {
    const files = [randomBytes(10), randomBytes(100_000), Buffer.from("third")];
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($files: [Upload!]!) { batch(files: $files) { ${partsQuery} } }`,
        { files: [null, null, null] },
        { 0: ["variables.files.0"], 1: ["variables.files.1"], 2: ["variables.files.2"] },
        files.map((data, i) => ({ name: String(i), filename: `f${i}.bin`, type: "application/octet-stream", data })),
      ),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(200);
    expect(upstream.received[0]?.parts.map((p) => [p.name, p.filename, p.sha256])).toEqual(
      files.map((data, i) => ["files", `f${i}.bin`, sha256(data)]),
    );
  });

  it("UP04: a form that lists a later file first spills the earlier one to a temporary file and still sends both whole", async () => {
    const a = randomBytes(300_000);
    const b = randomBytes(200_000);
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($a: Upload!, $b: Upload!) { swapped(a: $a, b: $b) { ${partsQuery} } }`,
        { a: null, b: null },
        { 0: ["variables.a"], 1: ["variables.b"] },
        [
          { name: "0", filename: "a.bin", type: "application/octet-stream", data: a },
          { name: "1", filename: "b.bin", type: "application/octet-stream", data: b },
        ],
      ),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(200);
    expect(upstream.received[0]?.parts.map((p) => [p.name, p.sha256])).toEqual([
      ["second", sha256(b)],
      ["first", sha256(a)],
    ]);
    // The spilled part's temporary file is deleted once the request is over.
    await until(async () => (await spilledFiles()).length === 0, "spilled files to be deleted");
  });

  it("UP05: formEncoding URLENCODED sends application/x-www-form-urlencoded text parts; a null argument's part is left out", async () => {
    const answer = await postMultipart(
      served.port,
      ...(Object.values(
        multipartBody(uploadParts(`mutation { token(user: "ada & co", password: "p=1+2") { ${partsQuery} } }`, {}, {}, [])),
      ) as [Buffer, string]),
    );
    expect(answer.status).toBe(200);
    const [request] = upstream.received;
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request?.body).toBe("username=ada+%26+co&password=p%3D1%2B2");
  });

  it("UP06: a form of text parts only is sent whole, with its length (a JSON POST can carry it: no multipart request needed)", async () => {
    const response = await fetch(`${served.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `mutation { note(text: "line1\\r\\nline2 \\"quoted\\"") { ${partsQuery} } }` }),
    });
    expect(response.status).toBe(200);
    const [request] = upstream.received;
    expect(request?.headers["content-length"]).toBeDefined();
    expect(request?.parts).toEqual([{ name: "text", text: 'line1\r\nline2 "quoted"' }]);
  });

  it("UP07: a hostile filename (quotes, CR/LF, a path) reaches the upstream as one quoted parameter, never as a header or a part", async () => {
    const data = Buffer.from("payload");
    const filename = `../../etc/x"; name="top_k"\r\nX-Evil: 1\r\n\r\nsmuggled é.png`;
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($image: Upload!) { classify(model: "m", image: $image) { ${partsQuery} } }`,
        { image: null },
        { 0: ["variables.image"] },
        [{ name: "0", filename, type: "text/plain", data }],
      ),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(200);
    const [request] = upstream.received;
    expect(request?.parts[0]).toMatchObject({ name: "file", sha256: sha256(data) });
    // busboy keeps the basename; Trestle percent-encodes CR, LF and the quote (the HTML standard's form encoding).
    expect(request?.parts[0]?.filename).toBe(`x%22; name=%22top_k%22%0D%0AX-Evil: 1%0D%0A%0D%0Asmuggled é.png`);
    expect(request?.headers["x-evil"]).toBeUndefined();
    expect(request?.parts.map((p) => p.name)).toEqual(["file", "top_k"]);
  });

  it("UP08: through trestle.fetch (adapters: Hono, Next.js, workers), a FormData upload streams the same way", async () => {
    const data = randomBytes(300_000);
    const form = new FormData();
    form.set(
      "operations",
      JSON.stringify({
        query: `mutation ($image: Upload!) { classify(model: "m", image: $image) { ${partsQuery} } }`,
        variables: { image: null },
      }),
    );
    form.set("map", JSON.stringify({ 0: ["variables.image"] }));
    form.set("0", new Blob([data], { type: "image/webp" }), "pic.webp");
    const response = await trestle.fetch(
      new Request("http://trestle.test/graphql", { method: "POST", headers: { "graphql-preflight": "1" }, body: form }),
    );
    expect(response.status).toBe(200);
    expect(upstream.received[0]?.parts[0]).toEqual({
      name: "file",
      filename: "pic.webp",
      mimetype: "image/webp",
      size: data.length,
      sha256: sha256(data),
    });
    const refused = await trestle.fetch(new Request("http://trestle.test/graphql", { method: "POST", body: form }));
    expect(refused.status).toBe(403);
  });
});
