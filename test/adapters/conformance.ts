import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDemoUpstream, type DemoRequestRecord, type DemoUpstream } from "../../src/demo/demo-upstream.js";

/** A host app with Trestle mounted under /bff, started on an ephemeral port. */
export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

export interface ConformanceOptions {
  /** Starts the host app against the demo upstream; its auth reads "Bearer user-N". */
  start(demoApiUrl: string): Promise<RunningApp>;
  /** The host's own route, answering `{ hello: … }`; none for a bare node:http listener. */
  hostRoute?: string;
  /**
   * What reaches the upstream of a passthrough POST: the client's exact bytes (streamed, or a
   * parser's raw text), or the host's parsed JSON serialised again. Default "exact".
   */
  passthroughBody?: "exact" | "reserialized";
}

const graphql = (base: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  fetch(`${base}/bff/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });

/**
 * The suite every adapter runs, against the bundled demo upstream and the demo schema:
 * GraphQL (POST and GET), a mutation whose body the host may have parsed, passthrough GET and
 * POST, the host's Authorization forwarded, the host's user in a `{context.X}` header template,
 * routes only under the prefix, the host's own routes beside Trestle, and a client that goes
 * away ending its upstream calls.
 */
export function describeConformance(name: string, options: ConformanceOptions): void {
  describe(name, () => {
    let demo: DemoUpstream;
    let app: RunningApp;
    const received = (path: string): DemoRequestRecord | undefined => demo.requests.find((r) => r.url === path);

    beforeAll(async () => {
      demo = await startDemoUpstream();
      app = await options.start(demo.url);
    });
    afterAll(async () => {
      await app?.close();
      await demo?.close();
    });
    beforeEach(() => demo.resetRequests());

    it("answers GraphQL at /bff/graphql (POST and GET)", async () => {
      const posted = await graphql(
        app.url,
        `
          {
            model(name: "fraud-xgb") {
              name
              stage
              latestVersion
            }
          }
        `,
      );
      expect([posted.status, await posted.json()]).toEqual([
        200,
        { data: { model: { name: "fraud-xgb", stage: "Production", latestVersion: 5 } } },
      ]);
      const query = encodeURIComponent(`{ model(name: "fraud-xgb") { name } }`);
      const got = await fetch(`${app.url}/bff/graphql?query=${query}`, { headers: { accept: "application/json" } });
      expect(await got.json()).toEqual({ data: { model: { name: "fraud-xgb" } } });
    });

    it("forwards the host's Authorization and puts the host's user in a {context.X} template", async () => {
      const response = await graphql(
        app.url,
        `
          {
            me {
              id
              name
            }
          }
        `,
        {},
        { authorization: "Bearer user-3" },
      );
      expect(await response.json()).toEqual({ data: { me: { id: "3", name: "Barbara Knuth" } } });
      expect(received("/me")?.headers).toMatchObject({ authorization: "Bearer user-3", "x-user-id": "3" });
    });

    it("sends a mutation whose JSON body the host may already have parsed", async () => {
      const response = await graphql(
        app.url,
        `
          mutation ($input: PredictInput!) {
            predict(model: "fraud-xgb", input: $input) {
              model
            }
          }
        `,
        {
          input: { inputs: [[0.4, 12.5, 3]] },
        },
      );
      expect(await response.json()).toEqual({ data: { predict: { model: "fraud-xgb" } } });
      expect(JSON.parse(received("/models/fraud-xgb/predict")?.body ?? "null")).toEqual({ inputs: [[0.4, 12.5, 3]] });
    });

    it("serves passthrough routes at /bff/rest/ml/*, with the host's auth and context", async () => {
      const response = await fetch(`${app.url}/bff/rest/ml/models/fraud-xgb?view=full`, { headers: { authorization: "Bearer user-5" } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ name: "fraud-xgb", latest_version: 5 });
      expect(received("/models/fraud-xgb?view=full")?.headers).toMatchObject({ authorization: "Bearer user-5", "x-user-id": "5" });
    });

    it(`passes a POST body through a passthrough route (${options.passthroughBody ?? "exact"})`, async () => {
      const text = `{ "inputs": [[1, 2, 3]] }\n`;
      const response = await fetch(`${app.url}/bff/rest/ml/models/fraud-xgb/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: text,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ model: "fraud-xgb", model_version: 5 });
      const expected = options.passthroughBody === "reserialized" ? JSON.stringify(JSON.parse(text)) : text;
      expect(received("/models/fraud-xgb/predict")?.body).toBe(expected);
    });

    it("answers only under the prefix: /graphql and /rest/* stay the host's", async () => {
      for (const path of ["/graphql", "/rest/ml/models/fraud-xgb", "/bffx/graphql"]) {
        const response = await fetch(`${app.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        expect([path, response.status]).toEqual([path, 404]);
        await response.arrayBuffer();
      }
      expect(demo.requests).toEqual([]);
      const health = await fetch(`${app.url}/bff/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    });

    it("F15: a client that goes away aborts its upstream call (GraphQL and passthrough)", async () => {
      // Raw sockets, not fetch: undici opens a spare connection after an abort, which some hosts' close() then waits for.
      const { port } = new URL(app.url);
      const leave = (request: string) =>
        new Promise<void>((resolve) => {
          const socket = connect(Number(port), "127.0.0.1");
          socket.on("error", () => undefined);
          socket.write(request);
          setTimeout(() => resolve(void socket.destroy()), 100);
        });
      demo.latencyMs = 400;
      try {
        const body = JSON.stringify({ query: `{ model(name: "gone-graphql") { name } }` });
        await leave(
          `POST /bff/graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        await leave("GET /bff/rest/ml/models/gone-rest HTTP/1.1\r\nHost: t\r\n\r\n");
        await new Promise((resolve) => setTimeout(resolve, 450));
      } finally {
        demo.latencyMs = 0;
      }
      expect(demo.requests.map((r) => [r.url, r.abandoned])).toEqual([
        ["/models/gone-graphql", true],
        ["/models/gone-rest", true],
      ]);
    });

    it.runIf(options.hostRoute !== undefined)("keeps the host app's own routes working", async () => {
      const response = await fetch(`${app.url}${options.hostRoute}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ hello: expect.any(String) });
    });
  });
}
