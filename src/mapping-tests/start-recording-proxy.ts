import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import type { MappingExchange } from "./mapping-test.js";

export interface RecordingProxy {
  /** @example "http://127.0.0.1:43210" */
  url: string;
  /** The upstreams that could not be reached: "ml (http://127.0.0.1:4010): connect ECONNREFUSED". */
  failures: string[];
  close(): Promise<void>;
}

/** Hop-by-hop (RFC 9110 §7.6.1) and framing headers: the proxy's own business, never forwarded or recorded. */
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "upgrade",
  "host",
  "content-length",
  "expect",
  "proxy-connection",
]);
/** Answer headers a recording leaves out: framing, the decoded body's encoding, the clock, and cookies (secrets). */
const unrecordedAnswerHeaders = new Set([...hopByHop, "content-encoding", "date", "set-cookie", "server", "x-powered-by"]);
/** Request headers never written, whatever rule sets them: credentials (RFC 9110 §11.6.2, RFC 6265). */
const credentials = new Set(["authorization", "proxy-authorization", "cookie"]);

/**
 * A recording proxy in front of one real upstream: every call Trestle makes is forwarded to the
 * upstream's base URL and recorded, with its answer, into `exchanges`. Of the request headers, a
 * recording keeps only those the upstream's header rules set to a fixed value (never one read
 * from `{env.X}`, `{header.X}` or `{context.X}`, nor one forwarded from the client, nor a
 * credential), and `content-type`.
 */
export async function startRecordingProxy(upstream: UpstreamPlan, exchanges: MappingExchange[], named: boolean): Promise<RecordingProxy> {
  const recordable = new Set(
    upstream.headers
      .filter((rule) => rule.value !== undefined && rule.value.variables.length === 0 && !credentials.has(rule.name))
      .map((rule) => rule.name),
  );
  recordable.add("content-type");
  const target = `${upstream.origin}${upstream.basePath}`;
  const failures: string[] = [];
  const recordRequest = (method: string, path: string, sent: Headers, text: string): MappingExchange["request"] => {
    const all = Object.fromEntries([...sent].filter(([key]) => recordable.has(key)));
    const { headers, body } = recordBody(all, text);
    return {
      ...(named ? { upstream: upstream.name } : {}),
      method,
      path,
      ...(headers ? { headers } : {}),
      ...(text === "" ? {} : { body }),
    };
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers))
        if (!hopByHop.has(key) && value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      const method = req.method ?? "GET";
      const path = req.url ?? "/";
      // Only origin-form targets (RFC 9112 §3.2.1) are joined to the upstream's base URL: an
      // absolute or "@host" target would point the proxy at another host.
      if (!path.startsWith("/")) {
        res.writeHead(400).end();
        return;
      }
      fetch(`${target}${path}`, { method, headers, redirect: "manual", ...(body.length > 0 ? { body } : {}) })
        .then(async (response) => {
          const text = await response.text();
          const answerHeaders: Record<string, string> = {};
          response.headers.forEach((value, key) => {
            if (!unrecordedAnswerHeaders.has(key)) answerHeaders[key] = value;
          });
          res.writeHead(response.status, answerHeaders).end(text);
          exchanges.push({
            request: recordRequest(method, path, headers, body.toString("utf8")),
            response: { status: response.status, ...recordBody(answerHeaders, text) },
          });
        })
        .catch((error: unknown) => {
          const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
          const line = `upstream "${upstream.name}" (${target}) could not be reached for ${method} ${path}: ${reason}`;
          if (!failures.includes(line)) failures.push(line);
          res.writeHead(502).end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failures,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A JSON body as its structure, and its headers without a JSON content type (the replay's default). */
function recordBody(all: Record<string, string>, text: string): { headers?: Record<string, string>; body?: unknown } {
  const body = readBody(text, all["content-type"]);
  const headers = { ...all };
  if (typeof body !== "string" && /^application\/json\s*(;|$)/i.test(headers["content-type"] ?? "")) delete headers["content-type"];
  return { ...(Object.keys(headers).length > 0 ? { headers } : {}), ...(text === "" ? {} : { body }) };
}

/** A JSON body as its structure (what a mapping test compares), anything else as text. */
function readBody(text: string, contentType: string | undefined): unknown {
  if (text === "" || !/[/+]json\b/i.test(contentType ?? "")) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
