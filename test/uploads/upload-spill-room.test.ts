import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { multipartBody, postMultipart, sha256, uploadParts } from "./multipart-client.js";
import { startMultipartUpstream, type MultipartUpstream } from "./multipart-upstream.js";
import { uploadSchema } from "./upload-schema.js";
import { until } from "../helpers/gate.js";

/**
 * Files that wait on disk for their turn take room from one budget per instance
 * (`uploads.maxSpillBytes`): many requests spilling at once cannot fill the disk.
 */
describe("uploads.maxSpillBytes", () => {
  let upstream: MultipartUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  beforeAll(async () => {
    upstream = await startMultipartUpstream((request, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ parts: request.parts, body: null }));
    });
    trestle = await createTestTrestle(uploadSchema(upstream.url), { uploads: { maxSpillBytes: 100_000 } });
    served = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await served.close();
    await trestle.close();
    await upstream.close();
  });

  /** `swapped` reads b before a: a, sent first, waits on disk. */
  const swapped = (a: Buffer, b: Buffer) => {
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($a: Upload!, $b: Upload!) { swapped(a: $a, b: $b) { parts { name sha256 } } }`,
        { a: null, b: null },
        { 0: ["variables.a"], 1: ["variables.b"] },
        [
          { name: "0", filename: "a.bin", type: "application/octet-stream", data: a },
          { name: "1", filename: "b.bin", type: "application/octet-stream", data: b },
        ],
      ),
    );
    return postMultipart(served.port, body, contentType);
  };

  it("UP23: a part that would pass the instance's room on disk fails with UPLOAD_TOO_LARGE naming the option; the room is given back", async () => {
    const refused = await swapped(randomBytes(300_000), randomBytes(1_000));
    const error = refused.json.errors?.[0] as { message: string; extensions?: { code?: string } } | undefined;
    expect(error?.extensions?.code).toBe("UPLOAD_TOO_LARGE");
    expect(error?.message).toContain("uploads.maxSpillBytes");
    expect(error?.message).toContain("100000 bytes");
    // The upstream never saw a whole request: its call was cut when the spilled part failed.
    expect(upstream.received).toHaveLength(0);
    await until(async () => (await readdir(tmpdir())).every((name) => !name.startsWith("trestle-upload-")), "spilled files deleted");
    // Each of three requests in a row fits, one after the other: nothing stayed taken.
    for (let i = 0; i < 3; i++) {
      const a = randomBytes(90_000);
      const b = randomBytes(500);
      const served = await swapped(a, b);
      expect(served.json.errors).toBeUndefined();
      expect((served.json.data?.["swapped"] as { parts: Array<{ sha256: string }> }).parts.map((p) => p.sha256)).toEqual([
        sha256(b),
        sha256(a),
      ]);
    }
  });

  it("UP23: uploads.maxSpillBytes must be a positive integer", async () => {
    await expect(createTestTrestle(uploadSchema(upstream.url), { uploads: { maxSpillBytes: -1 } })).rejects.toThrow(
      "uploads.maxSpillBytes must be a positive integer, received -1",
    );
  });
});
