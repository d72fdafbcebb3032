import { describe, expect, it } from "vitest";
import { serveTrestle } from "../passthrough/raw-http.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { startStreamingUpstream } from "../helpers/streaming-upstream.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

// A subscriber that never reads. Trestle reads the upstream only as fast as the
// subscriber takes payloads (pull-based, bounded buffers), so a stalled subscriber stalls the
// upstream's writes instead of filling Trestle's memory.

const eventBytes = 16 * 1024;
const totalBytes = 96 * 1024 * 1024;

describe("#18 streams: backpressure", () => {
  it("ST01: a subscriber that stops reading stops the upstream read: the upstream's writes stall far short of its 96 MiB", async () => {
    // An upstream that writes as fast as it is read, honouring backpressure, and counts what it got written.
    let written = 0;
    let waiting = false;
    const event = `data: ${JSON.stringify({ content: "x".repeat(eventBytes) })}\n\n`;
    const upstream = createServer(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      while (written < totalBytes && !res.destroyed) {
        written += event.length;
        if (!res.write(event)) {
          waiting = true;
          // One listener each, removed once either comes (a race of two `once` left the loser's
          // listeners behind at every wait: a MaxListenersExceededWarning on this response).
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off("drain", done);
              res.off("close", done);
              resolve();
            };
            res.on("drain", done);
            res.on("close", done);
          });
          waiting = false;
        }
      }
      res.end();
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const { port } = upstream.address() as AddressInfo;
    const trestle = await createTestTrestle(`
      extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:${port}", maxResponseBytes: 1048576)
      type Query { ping: String @rest(path: "/ping") }
      type Token { content: String }
      type Subscription { tokens: Token @rest(path: "/tokens", stream: { format: SSE }) }`);
    const served = await serveTrestle(trestle);
    try {
      const subscription = await subscribeOverSse(`http://127.0.0.1:${served.port}/graphql`, `subscription { tokens { content } }`);
      expect((await subscription.next())?.data).toEqual({ tokens: { content: "x".repeat(eventBytes) } });
      // The subscriber reads nothing more. Wait until the upstream is blocked and its count has
      // not moved for half a second (a reader that buffered without bound would have taken all of it).
      let last = -1;
      let still = 0;
      while (still < 5 && written < totalBytes) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        still = waiting && written === last ? still + 1 : 0;
        last = written;
      }
      expect(waiting).toBe(true);
      // Kernel socket buffers on two hops and a few small stream buffers: megabytes, not the whole answer.
      expect(written).toBeLessThan(totalBytes / 3);
      // It resumes when the subscriber reads again.
      const before = written;
      for (let i = 0; i < 2000 && written === before; i++) await subscription.next();
      expect(written).toBeGreaterThan(before);
      subscription.close();
    } finally {
      await served.close();
      await trestle.close();
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  }, 60_000);
});
