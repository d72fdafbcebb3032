import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { multipartBody, postMultipart } from "./multipart-client.js";
import { startMultipartUpstream, type MultipartUpstream } from "./multipart-upstream.js";
import { uploadSchema } from "./upload-schema.js";

const mib = 1024 * 1024;
const classify = `mutation ($image: Upload!) { classify(model: "big", image: $image) { parts { name size sha256 } } }`;

/** The child's resident set, in bytes (Linux /proc): Trestle runs alone in that process, so nothing else moves it. */
function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

/** A multipart upload of `size` bytes, generated as it is sent (a random 64 KiB block repeated), and its sha256. */
function streamedUpload(size: number): { chunks: AsyncIterable<Buffer>; contentType: string; sha256: () => string } {
  const boundary = "----memtest";
  const { body: head } = multipartBody(
    [
      { name: "operations", text: JSON.stringify({ query: classify, variables: { image: null } }) },
      { name: "map", text: JSON.stringify({ 0: ["variables.image"] }) },
    ],
    boundary,
  );
  const opening = head.subarray(0, head.length - `--${boundary}--\r\n`.length);
  const block = randomBytes(64 * 1024);
  const hash = createHash("sha256");
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.concat([
      opening,
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    ]);
    for (let sent = 0; sent < size; sent += block.length) {
      const chunk = block.subarray(0, Math.min(block.length, size - sent));
      hash.update(chunk);
      yield chunk;
    }
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return { chunks: chunks(), contentType: `multipart/form-data; boundary=${boundary}`, sha256: () => hash.digest("hex") };
}

describe.runIf(existsSync("/proc/self/status"))("a 200 MB upload streams through (issue #20)", () => {
  let upstream: MultipartUpstream;
  let child: ChildProcess;
  let dir: string;
  let port: number;
  beforeAll(async () => {
    upstream = await startMultipartUpstream();
    dir = await mkdtemp(join(tmpdir(), "trestle-upload-memory-"));
    await writeFile(join(dir, "api.graphql"), uploadSchema(upstream.url));
    child = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", dir, "--port", "0", "--max-file-bytes", String(250 * mib)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /at http:\/\/127\.0\.0\.1:(\d+)\/graphql/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`trestle serve exited with ${code}: ${out}`)));
    });
  });
  afterAll(async () => {
    child?.kill("SIGTERM");
    await upstream?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("UP16: a 200 MB file (maxFileBytes raised) reaches the upstream byte-identical while Trestle's RSS grows by less than 50 MB", async () => {
    // Warm up: the route, the parser and the pool are loaded, and V8 has collected a first round of
    // request buffers (it lets dead ArrayBuffers reach tens of MB before it does), before the baseline.
    const warm = streamedUpload(96 * mib);
    expect((await postMultipart(port, warm.chunks, warm.contentType)).status).toBe(200);
    const baseline = rssOf(child.pid!);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(child.pid!))), 20);
    const upload = streamedUpload(200 * mib);
    let answer;
    try {
      answer = await postMultipart(port, upload.chunks, upload.contentType);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssOf(child.pid!));
    expect(answer.status, answer.body).toBe(200);
    expect(answer.json.data?.["classify"]).toEqual({
      parts: [
        { name: "file", size: 200 * mib, sha256: upload.sha256() },
        { name: "top_k", size: null, sha256: null },
      ],
    });
    console.log(`UP16: Trestle RSS ${Math.round(baseline / mib)} MiB before, peak ${Math.round(peak / mib)} MiB during a 200 MiB upload`);
    expect(peak - baseline).toBeLessThan(50 * mib);
  }, 120_000);
});
