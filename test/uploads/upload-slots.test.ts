import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { multipartBody, uploadParts, type Answer } from "./multipart-client.js";
import { startMultipartUpstream, type MultipartUpstream } from "./multipart-upstream.js";
import { uploadSchema } from "./upload-schema.js";

describe("a stalled upload holds no upstream connection (issue #20)", () => {
  let upstream: MultipartUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  beforeAll(async () => {
    upstream = await startMultipartUpstream((request, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(request.url === "/ping" ? '"pong"' : JSON.stringify({ parts: request.parts }));
    });
    // One connection to the upstream in all: a stalled upload holding it would starve every other call.
    const schema = uploadSchema(upstream.url).replace(`baseUrl: "${upstream.url}"`, `baseUrl: "${upstream.url}", maxConcurrency: 1`);
    trestle = await createTestTrestle(schema);
    served = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await served.close();
    await trestle.close();
    await upstream.close();
  });

  it("UP21: an upload stalled within its first 64 KiB takes no slot: other calls are served meanwhile; once it flows it is sent whole", async () => {
    const image = randomBytes(200_000);
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($image: Upload!) { note(text: "first") { body } classify(model: "m", image: $image) { parts { name size } } }`,
        { image: null },
        { 0: ["variables.image"] },
        [{ name: "0", filename: "slow.bin", type: "application/octet-stream", data: image }],
      ),
    );
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const noted = upstream.nextStart();
    const answered = new Promise<Answer>((resolve, reject) => {
      const client = httpRequest(
        {
          host: "127.0.0.1",
          port: served.port,
          method: "POST",
          path: "/graphql",
          headers: { "content-type": contentType, "content-length": String(body.length), "x-trestle-csrf": "1" },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: JSON.parse(text) as Answer["json"] }),
          );
        },
      );
      client.on("error", reject);
      // The parts and 20 KB of the file, then nothing until the other call has been answered.
      const stall = body.indexOf(image) + 20_000;
      client.write(body.subarray(0, stall));
      void released.then(() => client.end(body.subarray(stall)));
    });
    // The operation runs (its first field reached the upstream), so the upload is now read up to its stall.
    await noted;

    const pinged = fetch(`${served.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ ping }" }),
    }).then((response) => response.json());

    expect(await pinged).toEqual({ data: { ping: "pong" } });
    expect(upstream.started).toBe(2); // the first field's call and the ping; the upload has not opened a request yet
    release();
    const answer = await answered;
    expect(answer.status, answer.body).toBe(200);
    expect(upstream.started).toBe(3);
    expect(answer.json.data?.["classify"]).toEqual({
      parts: [
        { name: "file", size: image.length },
        { name: "top_k", size: null },
      ],
    });
  });
});
