import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// graphql-http's GraphQL-over-HTTP audit suite against a live Trestle, in process (trestle.fetch)
// and over loopback (trestle.handle). Every MUST passes; SHOULDs that warn are listed in the README.
let upstream: TestUpstream;
let trestle: Trestle;
let server: Server;
let url: string;

beforeAll(async () => {
  upstream = await startTestUpstream((_req, res) => sendJson(res, 200, { id: "1" }));
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
    type Query { item: Item @rest(path: "/item") }
    type Mutation { touch: Item @rest(method: POST, path: "/item") }
    type Item { id: ID }
  `);
  server = createServer((req, res) => void trestle.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await trestle.close();
  await upstream.close();
});

/** SHOULD audits Trestle does not meet, with the reason (kept in step with the README). */
const knownShouldWarnings = new Map<string, string>();

for (const mode of ["in-process", "loopback"] as const) {
  describe(`GraphQL over HTTP audits (${mode})`, () => {
    const audits = serverAudits({
      url: mode === "in-process" ? "http://trestle.test/graphql" : "http://placeholder/graphql",
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
        if (mode === "in-process") return trestle.fetch(new Request(input, init));
        const target = String(input instanceof Request ? input.url : input).replace("http://placeholder/graphql", url);
        return fetch(target, init);
      },
    });
    for (const audit of audits) {
      it(`${audit.id} ${audit.name}`, async () => {
        const result = await audit.fn();
        if (result.status !== "ok" && "response" in result && result.response.body && !result.response.bodyUsed) {
          await result.response.body.cancel();
        }
        if (result.status === "error") expect.fail(`${audit.id}: ${result.reason}`);
        if (result.status === "warn" && !knownShouldWarnings.has(audit.id)) expect.fail(`${audit.id} (SHOULD): ${result.reason}`);
      });
    }
  });
}
