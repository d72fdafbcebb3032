import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { until } from "../helpers/gate.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { multipartBody, postMultipart, sha256, uploadParts, type SentPart } from "./multipart-client.js";
import { startMultipartUpstream, type MultipartUpstream } from "./multipart-upstream.js";
import { uploadSchema } from "./upload-schema.js";

const classify = `mutation ($image: Upload!) { classify(model: "m", image: $image) { parts { name sha256 } } }`;
const file = (data: Buffer, name = "0") => ({ name, filename: "f.bin", type: "application/octet-stream", data });

describe("uploads refused: limits, malformed requests, CSRF, clients that leave (issue #20)", () => {
  let upstream: MultipartUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  beforeAll(async () => {
    upstream = await startMultipartUpstream();
    trestle = await createTestTrestle(uploadSchema(upstream.url), {
      uploads: { maxFileBytes: 1024 * 1024, maxFiles: 3 },
      limits: { maxRequestBytes: 4096 },
    });
    served = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await served.close();
    await trestle.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
    upstream.broken.length = 0;
  });

  /** A normal user's upload, right after an attack: still served, byte-identical. */
  async function expectServed(): Promise<void> {
    const data = randomBytes(200_000);
    const { body, contentType } = multipartBody(uploadParts(classify, { image: null }, { 0: ["variables.image"] }, [file(data)]));
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status, answer.body).toBe(200);
    expect(answer.json.data?.["classify"]).toEqual({
      parts: [
        { name: "file", sha256: sha256(data) },
        { name: "top_k", sha256: null },
      ],
    });
  }

  it("UP10: a file over uploads.maxFileBytes is refused with 413 UPLOAD_TOO_LARGE; the upstream never gets a complete request", async () => {
    const started = upstream.started;
    const { body, contentType } = multipartBody(
      uploadParts(classify, { image: null }, { 0: ["variables.image"] }, [file(randomBytes(3 * 1024 * 1024))]),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(413);
    expect(answer.json.errors?.[0]).toMatchObject({
      message: 'File part "0" is larger than 1048576 bytes (uploads.maxFileBytes).',
      extensions: { code: "UPLOAD_TOO_LARGE" },
    });
    // The call had begun streaming (the file is larger than the first 64 KiB): it was aborted, never completed.
    await until(() => upstream.broken.length === upstream.started - started, "the upstream request to break off");
    expect(upstream.received).toEqual([]);
    await expectServed();
  });

  it("UP10: a file of exactly uploads.maxFileBytes is not over the limit", async () => {
    const data = randomBytes(1024 * 1024);
    const { body, contentType } = multipartBody(uploadParts(classify, { image: null }, { 0: ["variables.image"] }, [file(data)]));
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(200);
    expect(upstream.received[0]?.parts[0]?.sha256).toBe(sha256(data));
  });

  it("UP11: more files than uploads.maxFiles are refused with 413 UPLOAD_TOO_LARGE before any is read", async () => {
    const before = upstream.started;
    const four = [0, 1, 2, 3];
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($files: [Upload!]!) { batch(files: $files) { body } }`,
        { files: four.map(() => null) },
        Object.fromEntries(four.map((i) => [String(i), [`variables.files.${i}`]])),
        four.map((i) => file(Buffer.from(`file ${i}`), String(i))),
      ),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(413);
    expect(answer.json.errors?.[0]).toMatchObject({
      message: '"map" names 4 files; the limit is 3 (uploads.maxFiles).',
      extensions: { code: "UPLOAD_TOO_LARGE" },
    });
    expect(upstream.started).toBe(before);
    await expectServed();
  });

  it("UP11: one file part mapped to more places than uploads.maxFiles (sent once per place) is refused with 413 before any is read", async () => {
    const before = upstream.started;
    const places = Array.from({ length: 100 }, (_, i) => i);
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($files: [Upload!]!) { batch(files: $files) { body } }`,
        { files: places.map(() => null) },
        { 0: places.map((i) => `variables.files.${i}`) },
        [file(Buffer.from("x".repeat(1000)), "0")],
      ),
    );
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(413);
    expect(answer.json.errors?.[0]).toMatchObject({
      message: '"map" places files at more than 3 variables; the limit is 3 (uploads.maxFiles), one file part per place counted.',
      extensions: { code: "UPLOAD_TOO_LARGE" },
    });
    expect(upstream.started).toBe(before);
    await expectServed();
  });

  it("UP11: file parts past uploads.maxFiles that map does not even name are refused too", async () => {
    const before = upstream.started;
    const parts = uploadParts(
      classify,
      { image: null },
      { 0: ["variables.image"] },
      [0, 1, 2, 3].map((i) => file(Buffer.from("x"), `extra${i}`)),
    );
    const { body, contentType } = multipartBody(parts);
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status).toBe(400);
    expect(answer.json.errors?.[0]?.extensions?.["code"]).toBe("BAD_REQUEST");
    expect(upstream.started).toBe(before);
  });

  it("UP12: a text part over limits.maxRequestBytes is 413 REQUEST_TOO_LARGE, while a file larger than it is fine", async () => {
    const before = upstream.started;
    const long = `mutation ($image: Upload!) { classify(model: "${"m".repeat(5000)}", image: $image) { body } }`;
    const { body, contentType } = multipartBody(uploadParts(long, { image: null }, { 0: ["variables.image"] }, [file(Buffer.from("x"))]));
    const answer = await postMultipart(served.port, body, contentType);
    expect(answer.status, answer.body).toBe(413);
    expect(answer.json.errors?.[0]).toMatchObject({
      message: 'The "operations" part is larger than 4096 bytes (limits.maxRequestBytes).',
      extensions: { code: "REQUEST_TOO_LARGE" },
    });
    expect(upstream.started).toBe(before);
    await expectServed(); // its file (200 000 bytes) is far over maxRequestBytes
  });

  const operations = JSON.stringify({ query: classify, variables: { image: null } });
  const malformedCases: Array<{
    title: string;
    parts?: SentPart[];
    raw?: { body: Buffer; contentType: string };
    message: RegExp;
    code?: string;
  }> = [
    {
      title: "the map part missing (a file straight after operations)",
      parts: [{ name: "operations", text: operations }, file(Buffer.from("x"))],
      message: /file part "0" came before the "operations" and "map" parts/,
    },
    { title: "no map part at all", parts: [{ name: "operations", text: operations }], message: /the "map" part is missing/ },
    {
      title: "a map entry missing for a file that comes",
      parts: [{ name: "operations", text: operations }, { name: "map", text: "{}" }, file(Buffer.from("x"))],
      message: /file part "0" is not named in "map" \(it names none\)/,
    },
    {
      title: "operations that are not JSON",
      parts: [
        { name: "operations", text: "{query: mutation" },
        { name: "map", text: "{}" },
      ],
      message: /the "operations" part must be JSON; received "\{query: mutation"/,
    },
    {
      title: "operations as a batch",
      parts: [
        { name: "operations", text: `[${operations}]` },
        { name: "map", text: "{}" },
      ],
      message: /holds a batch/,
    },
    {
      title: "a map that is not JSON",
      parts: [
        { name: "operations", text: operations },
        { name: "map", text: "{0: variables.image}" },
      ],
      message: /the "map" part must be JSON/,
    },
    {
      title: "a map path that names nothing in operations",
      parts: [{ name: "operations", text: operations }, { name: "map", text: '{"0": ["variables.nope"]}' }, file(Buffer.from("x"))],
      message: /"map" entry "0" names "variables.nope", which is not a null in "operations" under "variables"/,
    },
    {
      title: "a map path outside variables (the query itself)",
      parts: [
        { name: "operations", text: JSON.stringify({ query: null, variables: {} }) },
        { name: "map", text: '{"0": ["query"]}' },
        file(Buffer.from("x")),
      ],
      message: /names "query", which is not a null/,
    },
    {
      title: "a map path through the prototype",
      parts: [
        { name: "operations", text: operations },
        { name: "map", text: '{"0": ["variables.__proto__.polluted"]}' },
        file(Buffer.from("x")),
      ],
      message: /names "variables.__proto__.polluted"/,
    },
    {
      title: "a map entry that is not a list",
      parts: [{ name: "operations", text: operations }, { name: "map", text: '{"0": "variables.image"}' }, file(Buffer.from("x"))],
      message: /"map" entry "0" must be a non-empty list of paths/,
    },
    {
      title: "a file part never referenced, ahead of the mapped one",
      parts: [
        { name: "operations", text: operations },
        { name: "map", text: '{"0": ["variables.image"]}' },
        file(Buffer.from("stray"), "9"),
        file(Buffer.from("x")),
      ],
      message: /file part "9" is not named in "map" \(it names "0"\)/,
    },
    {
      title: "a mapped file that never comes",
      parts: [
        { name: "operations", text: operations },
        { name: "map", text: '{"0": ["variables.image"]}' },
      ],
      message: /"map" names file part "0", but the body ended without it/,
    },
    {
      title: "a file part sent twice",
      parts: [
        { name: "operations", text: operations },
        { name: "map", text: '{"0": ["variables.image"]}' },
        file(Buffer.from("x")),
        file(Buffer.from("y")),
      ],
      message: /file part "0" came twice/,
    },
    {
      title: "a text part after the files",
      parts: [
        { name: "operations", text: operations },
        { name: "map", text: "{}" },
        { name: "extra", text: "1" },
      ],
      message: /only the "operations" and "map" text parts may come, before the files/,
    },
    {
      title: "no boundary in the Content-Type",
      raw: { body: Buffer.from("--x\r\n\r\n--x--\r\n"), contentType: "multipart/form-data" },
      message: /Boundary not found: Content-Type "multipart\/form-data" needs a boundary parameter/,
    },
    {
      title: "a truncated body (it ends inside the file part)",
      raw: (() => {
        const whole = multipartBody(uploadParts(classify, { image: null }, { 0: ["variables.image"] }, [file(randomBytes(30_000))]));
        return { body: whole.body.subarray(0, whole.body.length - 10_000), contentType: whole.contentType };
      })(),
      message: /Unexpected end of (form|file)/,
    },
    {
      title: "map pointing at a variable that is not an Upload",
      parts: [
        {
          name: "operations",
          text: JSON.stringify({ query: `mutation ($m: String!) { note(text: $m) { body } }`, variables: { m: null } }),
        },
        { name: "map", text: '{"0": ["variables.m"]}' },
        file(Buffer.from("x")),
      ],
      message: /"map" entry "0" puts a file in "variables.m", which is of type String!, not an Upload/,
    },
    {
      title: "map pointing at a pass-through scalar variable (JSON would take any value)",
      parts: [
        { name: "operations", text: JSON.stringify({ query: `mutation ($j: JSON) { note(text: "x") { body } }`, variables: { j: null } }) },
        { name: "map", text: '{"0": ["variables.j"]}' },
        file(Buffer.from("x")),
      ],
      message: /puts a file in "variables.j", which is of type JSON, not an Upload/,
    },
    {
      title: "map pointing at a whole list of Uploads instead of an item",
      parts: [
        {
          name: "operations",
          text: JSON.stringify({ query: `mutation ($f: [Upload!]!) { batch(files: $f) { body } }`, variables: { f: null } }),
        },
        { name: "map", text: '{"0": ["variables.f"]}' },
        file(Buffer.from("x")),
      ],
      message: /puts a file in "variables.f", which is of type \[Upload!\]!, not an Upload/,
    },
  ];
  for (const { title, parts, raw, message, code = "BAD_REQUEST" } of malformedCases) {
    it(`UP13: ${title} is a 400 ${code}, with no upstream call, and the next user is served`, async () => {
      const before = upstream.started;
      const { body, contentType } = raw ?? multipartBody(parts!);
      const answer = await postMultipart(served.port, body, contentType);
      expect(answer.status).toBe(400);
      expect(answer.json.errors?.[0]?.message).toMatch(message);
      expect(answer.json.errors?.[0]?.extensions?.["code"]).toBe(code);
      expect(upstream.started).toBe(before);
      await expectServed();
    });
  }

  it("UP14: a multipart request without a preflight-forcing header is refused with 403 CSRF_PREVENTED, nothing sent upstream", async () => {
    const before = upstream.started;
    const { body, contentType } = multipartBody(
      uploadParts(classify, { image: null }, { 0: ["variables.image"] }, [file(Buffer.from("x"))]),
    );
    const answer = await postMultipart(served.port, body, contentType, { origin: "https://evil.example" });
    expect(answer.status).toBe(403);
    expect(answer.json.errors?.[0]).toMatchObject({
      message: expect.stringContaining("needs one of the headers x-trestle-csrf, apollo-require-preflight, graphql-preflight"),
      extensions: { code: "CSRF_PREVENTED" },
    });
    expect(upstream.started).toBe(before);
    for (const header of ["x-trestle-csrf", "apollo-require-preflight", "graphql-preflight"]) {
      const data = randomBytes(1000);
      const ok = multipartBody(uploadParts(classify, { image: null }, { 0: ["variables.image"] }, [file(data)]));
      const served_ = await postMultipart(served.port, ok.body, ok.contentType, { [header]: "1" });
      expect(served_.status, header).toBe(200);
    }
  });

  it("UP15: a client that leaves mid-upload aborts the upstream request (the upstream sees it break off, never complete)", async () => {
    const { body, contentType } = multipartBody(
      uploadParts(classify, { image: null }, { 0: ["variables.image"] }, [file(randomBytes(900_000))]),
    );
    const started = upstream.nextStart();
    const broken = upstream.nextBroken();
    const client = httpRequest({
      host: "127.0.0.1",
      port: served.port,
      method: "POST",
      path: "/graphql",
      headers: { "content-type": contentType, "content-length": String(body.length), "x-trestle-csrf": "1" },
    });
    client.on("error", () => undefined);
    // Half the body: past the first 64 KiB, so the upstream call is open and streaming.
    client.write(body.subarray(0, 400_000));
    await started;
    client.destroy();
    await broken;
    expect(upstream.received).toEqual([]);
    await expectServed();
  });
});

describe("upstreams that stop reading an upload (issue #20)", () => {
  let early: Server;
  let earlyUrl: string;
  beforeAll(async () => {
    // Answers 503 as soon as a request's head arrives, without reading its body.
    early = createServer((_req, res) => {
      res.writeHead(503, { "content-type": "application/json", connection: "close" });
      res.end('{"detail":"busy"}');
    });
    await new Promise<void>((resolve) => early.listen(0, "127.0.0.1", resolve));
    earlyUrl = `http://127.0.0.1:${(early.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    early.closeAllConnections();
    await new Promise((resolve) => early.close(resolve));
  });

  const twoUploads = () =>
    multipartBody(
      uploadParts(
        `mutation ($a: Upload!, $b: Upload!) { a: classify(model: "m", image: $a) { body } b: classify(model: "m", image: $b) { body } }`,
        { a: null, b: null },
        { 0: ["variables.a"], 1: ["variables.b"] },
        [file(randomBytes(600_000), "0"), file(randomBytes(600_000), "1")],
      ),
    );

  for (const [title, url] of [
    ["answers before reading the file", () => earlyUrl],
    ["is down (connection refused)", () => "http://127.0.0.1:9"],
  ] as const) {
    it(`UP09: an upstream that ${title}: each field fails, the rest of each file is thrown away, the client gets its answer`, async () => {
      const trestle = await createTestTrestle(uploadSchema(url()));
      const served = await serveTrestle(trestle);
      try {
        const { body, contentType } = twoUploads();
        const answer = await postMultipart(served.port, body, contentType);
        expect(answer.status, answer.body).toBe(200);
        expect(answer.json.data).toEqual({ a: null, b: null });
        // An upstream that answers mid-body: undici may see the answer (UPSTREAM_ERROR) or the closed socket first.
        for (const error of answer.json.errors ?? [])
          expect(["UPSTREAM_ERROR", "UPSTREAM_UNAVAILABLE"]).toContain(error.extensions?.["code"]);
        expect(answer.json.errors).toHaveLength(2);
      } finally {
        await served.close();
        await trestle.close();
      }
    });
  }
});
