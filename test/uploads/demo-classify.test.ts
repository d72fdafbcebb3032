import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import type { Trestle } from "../../src/index.js";
import { importOpenApi } from "../../src/openapi/import-openapi.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { multipartBody, postMultipart, uploadParts } from "./multipart-client.js";

describe("the demo's image classifier through schema/ (issue #20)", () => {
  let demo: DemoUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  beforeAll(async () => {
    demo = await startDemoUpstream();
    trestle = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url } });
    served = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await served.close();
    await trestle.close();
    await demo.close();
  });

  const classify = (image: Buffer, topK: number) => {
    const { body, contentType } = multipartBody(
      uploadParts(
        `mutation ($image: Upload!, $k: Int) { classifyImage(model: "resnet50-defects", image: $image, topK: $k) { label score } }`,
        { image: null, k: topK },
        { 0: ["variables.image"] },
        [{ name: "0", filename: "photo.jpg", type: "image/jpeg", data: image }],
      ),
    );
    return postMultipart(served.port, body, contentType, { "apollo-require-preflight": "true" });
  };

  it("UP19: classifyImage uploads the image as a multipart file; the labels are computed from its bytes, the same each time", async () => {
    const image = randomBytes(300_000);
    const first = await classify(image, 3);
    expect(first.status, first.body).toBe(200);
    expect(first.json.errors, first.body).toBeUndefined();
    const labels = first.json.data?.["classifyImage"] as Array<{ label: string; score: number }>;
    expect(labels).toHaveLength(3);
    expect(labels[0]!.score).toBeGreaterThanOrEqual(labels[1]!.score);
    expect((await classify(image, 3)).json.data?.["classifyImage"]).toEqual(labels);
    const upload = demo.requests.findLast((request) => request.url === "/models/resnet50-defects/classify");
    expect(upload?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
  });

  it("UP19: the demo's OpenAPI document describes the upload, and the importer maps it to an Upload argument", async () => {
    const document = (await (await fetch(`${demo.url}/openapi.json`)).json()) as unknown;
    const { sdl, summary } = importOpenApi(document, { upstream: "ml" });
    expect(summary.skipped.filter((op) => op.path === "/models/{name}/classify")).toEqual([]);
    expect(sdl.replace(/\s+/g, " ")).toContain("classify(name: String!, file: Upload!, topK: Int = 5): [ImageLabel!]");
  });
});
