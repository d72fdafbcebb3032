import type { ServerResponse } from "node:http";
import { startTestUpstream, type RecordedRequest, type TestUpstream } from "../helpers/test-upstream.js";

/**
 * A workflow engine on 127.0.0.1, as Airflow or Prefect answer: `POST /runs` starts a run that
 * advances on a timer (queued → running → success, or failed for a `{"fail": true}` body) every
 * `stepMs`; `GET /runs/{id}` answers its state, with a `Date` header and a key order that
 * change on every answer (what a poll must not count as a change); unknown runs are 404; `GET /runs/{id}/owner` answers its owner (a nested read). A test
 * may also make runs it moves itself (`put`, `set`), and put an answer of its own in front of
 * the next GETs (`answerNext`: a 503 with Retry-After, a max-age…).
 */
export interface WorkflowUpstream {
  url: string;
  requests: RecordedRequest[];
  /** GETs of one run so far. */
  getsOf(id: string): RecordedRequest[];
  /** Resolves once the run has had `n` GETs in all. */
  waitForGets(id: string, n: number): Promise<RecordedRequest[]>;
  /** Makes (or replaces) a run in `state`, which only `set` moves. */
  put(id: string, state: string, extra?: Record<string, unknown>): void;
  set(id: string, state: string, extra?: Record<string, unknown>): void;
  /** The next `count` GETs of `id` are answered by `answer` instead. */
  answerNext(id: string, count: number, answer: (res: ServerResponse) => void): void;
  close(): Promise<void>;
}

interface Run {
  id: string;
  state: string;
  extra: Record<string, unknown>;
}

export async function startWorkflowUpstream(stepMs = 150): Promise<WorkflowUpstream> {
  const runs = new Map<string, Run>();
  const overrides = new Map<string, Array<(res: ServerResponse) => void>>();
  const waiters: Array<{ id: string; n: number; resolve: (gets: RecordedRequest[]) => void }> = [];
  const timers = new Set<NodeJS.Timeout>();
  let created = 0;
  let answers = 0;
  const getsOf = (id: string) => upstream.requests.filter((r) => r.method === "GET" && r.url === `/runs/${id}`);
  const settle = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i]!;
      const gets = getsOf(waiter.id);
      if (gets.length >= waiter.n) waiters.splice(i, 1)[0]!.resolve(gets);
    }
  };
  const upstream: TestUpstream = await startTestUpstream((req, res) => {
    setImmediate(settle);
    const match = /^\/runs\/([^/?]+)$/.exec(req.url);
    if (req.method === "POST" && req.url === "/runs") {
      const id = `run-${++created}`;
      const fail = req.body.includes('"fail":true');
      const run: Run = { id, state: "queued", extra: {} };
      runs.set(id, run);
      const advance = (state: string, after: number) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          run.state = state;
        }, after);
        timers.add(timer);
      };
      advance("running", stepMs);
      advance(fail ? "failed" : "success", 2 * stepMs);
      return send(res, 201, { id, state: run.state });
    }
    const owner = /^\/runs\/([^/?]+)\/owner$/.exec(req.url);
    if (req.method === "GET" && owner !== null) return send(res, 200, { name: `owner of ${owner[1]}` });
    if (req.method !== "GET" || match === null) return send(res, 404, { detail: "Not Found" });
    const id = decodeURIComponent(match[1]!);
    const override = overrides.get(id)?.shift();
    if (override !== undefined) return override(res);
    const run = runs.get(id);
    if (run === undefined) return send(res, 404, { detail: `Run '${id}' not found` });
    answers += 1;
    // Key order and Date change on every answer; the run itself does not.
    const fields: Array<[string, unknown]> = [["id", run.id], ["state", run.state], ...Object.entries(run.extra)];
    if (answers % 2 === 0) fields.reverse();
    return send(res, 200, Object.fromEntries(fields), { date: new Date(Date.UTC(2026, 0, 1, 0, 0, answers)).toUTCString() });
  });
  return {
    url: upstream.url,
    requests: upstream.requests,
    getsOf,
    waitForGets: (id, n) =>
      new Promise((resolve) => {
        waiters.push({ id, n, resolve });
        settle();
      }),
    put: (id, state, extra = {}) => void runs.set(id, { id, state, extra }),
    set: (id, state, extra) => {
      const run = runs.get(id);
      if (run === undefined) throw new Error(`no run ${id}`);
      run.state = state;
      if (extra !== undefined) run.extra = extra;
    },
    answerNext: (id, count, answer) => overrides.set(id, [...(overrides.get(id) ?? []), ...Array.from({ length: count }, () => answer)]),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await upstream.close();
    },
  };
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The schema the poll tests serve: `Subscription.run(id)` polls `GET /runs/{id}` (`poll` replaces its poll: fields). */
export const pollSchema = (url: string, poll = `everyMs: 100, until: { path: "state", in: ["success", "failed"] }`) => `
  extend schema @upstream(name: "flows", baseUrl: "${url}", retry: { attempts: 0, backoffMs: 10 },
    headers: [{ name: "authorization", from: "authorization" }])
  type Query { ping: String @rest(path: "/ping") }
  type Run { id: ID!, state: String! }
  type Subscription {
    run(id: ID!): Run @rest(path: "/runs/{args.id}", poll: { ${poll} })
  }`;
