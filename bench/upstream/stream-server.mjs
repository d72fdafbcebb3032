// The streams benchmark's upstream: OpenAI-style server-sent events on plain node:http.
//
//   PORT=0 node upstream/stream-server.mjs      prints "PORT <n>" once listening
//
// POST /models/{name}/generate {"prompt", "tokens": 1, "interval_ms": 0, "stream": true}
//   writes the first token at once, then `tokens - 1` more, `interval_ms` apart, then
//   `data: [DONE]`. Stops writing when the client goes.
// GET /__stats -> { open, tokens, connections }: streams open now; tokens written and TCP
// connections accepted since the start.
import { createServer } from "node:http";

const stats = { open: 0, tokens: 0, connections: 0 };

const chunk = (model, index, content) =>
  `data: ${JSON.stringify({ id: `b-${index}`, object: "chat.completion.chunk", model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

const server = createServer((request, response) => {
  const url = request.url ?? "/";
  if (url === "/__stats") {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
    return;
  }
  const match = /^\/models\/([^/]+)\/generate$/.exec(url);
  if (request.method !== "POST" || match === null) {
    response.writeHead(404, { "content-type": "application/json" }).end('{"detail":"Not Found"}');
    return;
  }
  let body = "";
  request.setEncoding("utf8");
  request.on("data", (text) => (body += text));
  request.on("end", () => {
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      response.writeHead(400, { "content-type": "application/json" }).end('{"detail":"Invalid JSON"}');
      return;
    }
    const model = match[1];
    const total = Math.max(1, Number(parsed.tokens ?? 1));
    const interval = Math.max(0, Number(parsed.interval_ms ?? 0));
    let sent = 0;
    let timer;
    stats.open += 1;
    // 'close' comes once per answer, whole or abandoned.
    response.once("close", () => {
      clearInterval(timer);
      stats.open -= 1;
    });
    const writeToken = () => {
      response.write(chunk(model, sent, sent === 0 ? "Hello" : " world"));
      sent += 1;
      stats.tokens += 1;
    };
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    writeToken();
    if (sent >= total) return void response.end("data: [DONE]\n\n");
    timer = setInterval(() => {
      if (response.destroyed) return;
      writeToken();
      if (sent >= total) {
        clearInterval(timer);
        response.end("data: [DONE]\n\n");
      }
    }, interval);
  });
});

server.keepAliveTimeout = 60_000;
server.on("connection", () => (stats.connections += 1));
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(`PORT ${server.address().port}`));
