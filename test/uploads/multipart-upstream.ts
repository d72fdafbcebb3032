import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import busboy from "busboy";

/** One part as the upstream parsed it: a file's name, media type, size and sha256, or a text value. */
export interface ReceivedPart {
  name: string;
  filename?: string | undefined;
  mimetype?: string;
  size?: number;
  sha256?: string;
  text?: string;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  /** Parts of a multipart body, in order (files hashed as they stream, never kept). */
  parts: ReceivedPart[];
  /** A body that is not multipart (URL-encoded), whole. */
  body?: string;
}

export interface MultipartUpstream {
  url: string;
  /** Requests whose body arrived whole and parsed. */
  received: ReceivedRequest[];
  /** Requests that began but whose body broke off (the client aborted, a part never ended). */
  broken: Array<{ url: string; error: string }>;
  /** Requests whose head arrived (complete or not). */
  started: number;
  /** Resolves when a request has begun arriving. */
  nextStart(): Promise<void>;
  /** Resolves when a request has broken off. */
  nextBroken(): Promise<void>;
  /** Resolves once `n` requests were received whole. */
  waitForReceived(n: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * A real multipart-parsing upstream (node:http + busboy) on 127.0.0.1, as a model server
 * would read uploads: each file hashed as it streams (the bytes are thrown away, so a 200 MB
 * upload costs this process nothing), text parts kept. It answers 200 with JSON
 * `{ parts }` unless `answer` says otherwise.
 */
export async function startMultipartUpstream(answer?: (request: ReceivedRequest, res: ServerResponse) => void): Promise<MultipartUpstream> {
  const received: ReceivedRequest[] = [];
  const broken: MultipartUpstream["broken"] = [];
  const waiters = {
    start: [] as Array<() => void>,
    broken: [] as Array<() => void>,
    received: [] as Array<{ n: number; resolve: () => void }>,
  };
  let started = 0;
  const server = createServer((req, res) => {
    started++;
    for (const wake of waiters.start.splice(0)) wake();
    const request: ReceivedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, parts: [] };
    const breakOff = (error: unknown) => {
      if (broken.some((b) => b.url === request.url && b.error === String(error))) return;
      broken.push({ url: request.url, error: String(error) });
      for (const wake of waiters.broken.splice(0)) wake();
      res.destroy();
    };
    const done = () => {
      received.push(request);
      for (let i = waiters.received.length - 1; i >= 0; i--) {
        if (received.length >= waiters.received[i]!.n) waiters.received.splice(i, 1)[0]!.resolve();
      }
      if (answer !== undefined) answer(request, res);
      else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ parts: request.parts }));
      }
    };
    req.once("aborted", () => breakOff(new Error("aborted")));
    if (!(req.headers["content-type"] ?? "").startsWith("multipart/form-data")) {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        request.body = Buffer.concat(chunks).toString("utf8");
        done();
      });
      req.on("error", breakOff);
      return;
    }
    const parser = busboy({ headers: req.headers, defParamCharset: "utf8" });
    const files: Array<Promise<void>> = [];
    parser.on("field", (name, value) => request.parts.push({ name, text: value }));
    parser.on("file", (name, stream, info) => {
      const part: ReceivedPart = { name, filename: info.filename, mimetype: info.mimeType, size: 0 };
      request.parts.push(part);
      const hash = createHash("sha256");
      files.push(
        new Promise((resolve, reject) => {
          stream.on("data", (chunk: Buffer) => {
            hash.update(chunk);
            part.size! += chunk.length;
          });
          stream.on("end", () => {
            part.sha256 = hash.digest("hex");
            resolve();
          });
          stream.on("error", reject);
        }),
      );
    });
    parser.on("error", breakOff);
    parser.on("close", () => {
      Promise.all(files).then(done, breakOff);
    });
    req.on("error", breakOff);
    req.pipe(parser);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    broken,
    get started() {
      return started;
    },
    nextStart: () => new Promise((resolve) => waiters.start.push(resolve)),
    nextBroken: () => new Promise((resolve) => waiters.broken.push(resolve)),
    waitForReceived: (n) =>
      new Promise<ReceivedRequest[]>((resolve) => {
        if (received.length >= n) resolve(received);
        else waiters.received.push({ n, resolve: () => resolve(received) });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
