import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * One request to a streaming upstream, answered by the test step by step: the head, chunks when
 * the test wants them (after it has seen the payload before: no sleeps), a clean end or a reset.
 * `closed` tells when the caller (Trestle) closed the connection before the answer ended.
 */
export interface StreamCall {
  method: string;
  /** The request target exactly as received. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Sends the head: 200 and `text/event-stream` unless told. Implied by the first `write`. */
  head(status?: number, headers?: Record<string, string>): void;
  write(text: string): void;
  end(text?: string): void;
  /** Breaks the connection off mid-answer (the client sees a reset). */
  reset(): void;
  /** Resolves when the connection closes before `end()`: the caller left. */
  readonly closed: Promise<void>;
  /** Whether the connection closed before `end()`. */
  readonly closedEarly: boolean;
}

export interface StreamingUpstream {
  url: string;
  calls: StreamCall[];
  /** The next call to arrive (its body read), whatever has arrived before. */
  nextCall(): Promise<StreamCall>;
  /** Resolves once `calls` holds at least `n` calls, with a copy of them. */
  waitForCalls(n: number): Promise<StreamCall[]>;
  /** Calls whose connection is still open. */
  readonly open: number;
  close(): Promise<void>;
}

/**
 * A real HTTP upstream on 127.0.0.1 for streaming answers (SSE, NDJSON). Each request becomes a
 * StreamCall; `onCall` may script it at once (e.g. `call.end(sse.events(...))`), or the test
 * takes it with `nextCall()` and answers it step by step.
 */
export async function startStreamingUpstream(onCall?: (call: StreamCall) => void): Promise<StreamingUpstream> {
  const calls: StreamCall[] = [];
  const nexts: Array<(call: StreamCall) => void> = [];
  const counts: Array<{ n: number; resolve: (calls: StreamCall[]) => void }> = [];
  let open = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const call = makeCall(req, res, Buffer.concat(chunks).toString("utf8"));
      open++;
      res.once("close", () => open--);
      calls.push(call);
      onCall?.(call);
      for (const resolve of nexts.splice(0)) resolve(call);
      for (let i = counts.length - 1; i >= 0; i--) if (calls.length >= counts[i]!.n) counts.splice(i, 1)[0]!.resolve([...calls]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    nextCall: () => new Promise((resolve) => nexts.push(resolve)),
    waitForCalls: (n) =>
      new Promise((resolve) => {
        if (calls.length >= n) resolve([...calls]);
        else counts.push({ n, resolve });
      }),
    get open() {
      return open;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function makeCall(req: IncomingMessage, res: ServerResponse, body: string): StreamCall {
  let closedEarly = false;
  const closed = new Promise<void>((resolve) => {
    res.once("close", () => {
      if (!res.writableFinished) {
        closedEarly = true;
        resolve();
      }
    });
  });
  const head = (status = 200, headers: Record<string, string> = { "content-type": "text/event-stream" }) => {
    if (res.headersSent) return;
    res.writeHead(status, headers);
    res.flushHeaders();
  };
  return {
    method: req.method ?? "",
    url: req.url ?? "",
    headers: req.headers,
    body,
    head,
    write(text) {
      head();
      res.write(text);
    },
    end(text) {
      head();
      res.end(text);
    },
    reset() {
      head();
      res.socket?.destroy();
    },
    closed,
    get closedEarly() {
      return closedEarly;
    },
  };
}

/** Server-sent events and NDJSON as upstreams write them. */
export const sse = {
  /** One event: its data lines, and `event:` / `id:` lines when given. */
  event(data: unknown, options: { event?: string; id?: string } = {}): string {
    const text = typeof data === "string" ? data : JSON.stringify(data);
    const lines = [options.event === undefined ? "" : `event: ${options.event}\n`, options.id === undefined ? "" : `id: ${options.id}\n`];
    return `${lines.join("")}${text
      .split("\n")
      .map((line) => `data: ${line}\n`)
      .join("")}\n`;
  },
  /** An OpenAI-style chat completion chunk for one token. */
  openai(content: string): string {
    return `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
  },
  /** OpenAI's end of stream. */
  openaiDone: "data: [DONE]\n\n",
  /** A TGI-style token event (`data:` without a space, as text-generation-inference writes it). */
  tgi(text: string, id: number): string {
    return `data:${JSON.stringify({ token: { id, text, special: false }, generated_text: null })}\n\n`;
  },
  /** One NDJSON line. */
  line(value: unknown): string {
    return `${JSON.stringify(value)}\n`;
  },
};
