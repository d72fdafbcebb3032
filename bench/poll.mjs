// Polled subscriptions (@rest(poll:), issue #19) under load: N subscribers over R runs, GraphQL
// over SSE, against a workflow upstream whose runs stay "running" while it measures. Reports the
// upstream GETs per second (one loop per run: at most R per everyMs interval), Trestle's RSS
// (a child process of its own: the subscribers' memory is not in it) and that every subscriber
// got the run's end. Usage: node poll.mjs [--subscribers 1000] [--runs 50] [--every-ms 1000]
// [--seconds 10] [--trestle DIR]. Needs Trestle's dist/ (npm run build in the repo root).
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { once } from "node:events";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(" ")
    .split("--")
    .filter(Boolean)
    .map((part) => part.trim().split(/\s+/)),
);

if (process.argv[2] === "child") {
  // Trestle alone in this process: its port goes to the parent, and its RSS on request.
  const dir = process.argv[3];
  const { createTrestle } = await import(pathToFileURL(resolve(dir, "dist/index.js")).href);
  const schema = `
    extend schema @upstream(name: "flows", baseUrl: "${process.argv[4]}")
    type Query { ping: String @rest(path: "/ping") }
    type Run { id: ID!, state: String! }
    type Subscription {
      run(id: ID!): Run @rest(path: "/runs/{args.id}",
        poll: { everyMs: ${process.argv[5]}, until: { path: "state", in: ["success", "failed"] }, timeoutMs: 600000 })
    }`;
  const trestle = await createTrestle({ schema, logging: false, env: {}, limits: { maxSubscriptions: 100_000 } });
  const server = createServer((req, res) => void trestle.handle(req, res));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  process.send({ port: server.address().port });
  process.on("message", async (message) => {
    if (message === "rss") process.send({ rss: process.memoryUsage().rss });
    if (message === "close") {
      await trestle.close();
      server.closeAllConnections();
      server.close();
      process.exit(0);
    }
  });
} else {
  const subscribers = Number(args.subscribers ?? 1000);
  const runs = Number(args.runs ?? 50);
  const everyMs = Number(args["every-ms"] ?? 1000);
  const seconds = Number(args.seconds ?? 10);
  const trestleDir = resolve(args.trestle ?? process.env.TRESTLE_DIR ?? fileURLToPath(new URL("..", import.meta.url)));

  const states = new Map(Array.from({ length: runs }, (_, i) => [`r${i}`, "running"]));
  let gets = 0;
  const upstream = createServer((req, res) => {
    const id = /^\/runs\/([^/]+)$/.exec(req.url ?? "")?.[1];
    const state = id === undefined ? undefined : states.get(id);
    if (state === undefined) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"detail":"Not Found"}');
      return;
    }
    gets += 1;
    res.writeHead(200, { "content-type": "application/json", date: new Date().toUTCString() }).end(JSON.stringify({ id, state }));
  });
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

  const child = fork(fileURLToPath(import.meta.url), ["child", trestleDir, upstreamUrl, String(everyMs)], { stdio: "inherit" });
  const ask = (message, key) =>
    new Promise((done) => {
      const onMessage = (answer) => {
        if (key in answer) {
          child.off("message", onMessage);
          done(answer[key]);
        }
      };
      child.on("message", onMessage);
      if (message !== undefined) child.send(message);
    });
  const port = await ask(undefined, "port");
  const rssIdle = await ask("rss", "rss");

  const query = `subscription ($id: ID!) { run(id: $id) { id state } }`;
  const payloads = new Array(subscribers).fill(0);
  const completed = new Array(subscribers).fill(false);
  let firstPayloads = 0;
  let allFirst;
  const allFirstSeen = new Promise((done) => (allFirst = done));
  const follow = async (n) => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query, variables: { id: `r${n % runs}` } }),
    });
    const decoder = new TextDecoder();
    let text = "";
    for await (const chunk of response.body) {
      text += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = text.indexOf("\n\n")) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        if (block.includes("event: next")) {
          payloads[n] += 1;
          if (payloads[n] === 1 && ++firstPayloads === subscribers) allFirst();
        }
        if (block.includes("event: complete")) completed[n] = true;
      }
    }
  };
  const started = performance.now();
  const following = Array.from({ length: subscribers }, (_, n) => follow(n));
  await allFirstSeen;
  const subscribedMs = performance.now() - started;

  // Measured: `seconds` of every subscriber open, every run still running.
  const getsBefore = gets;
  const window = performance.now();
  let rssPeak = 0;
  for (let s = 0; s < seconds; s++) {
    await new Promise((done) => setTimeout(done, 1000));
    rssPeak = Math.max(rssPeak, await ask("rss", "rss"));
  }
  const elapsed = (performance.now() - window) / 1000;
  const getsPerSecond = (gets - getsBefore) / elapsed;

  for (const id of states.keys()) states.set(id, "success");
  await Promise.all(following);
  const rssAfter = await ask("rss", "rss");
  child.send("close");
  await once(child, "exit");
  upstream.close();

  const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const perInterval = getsPerSecond * (everyMs / 1000);
  const report = [
    `subscribers ${subscribers} over ${runs} runs, everyMs ${everyMs}, measured ${elapsed.toFixed(1)} s (Node ${process.version})`,
    `all subscribed, first payload each: ${subscribedMs.toFixed(0)} ms`,
    `upstream GETs: ${getsPerSecond.toFixed(1)}/s = ${perInterval.toFixed(1)} per everyMs interval (target <= ${runs})`,
    `Trestle RSS: idle ${mib(rssIdle)}, peak ${mib(rssPeak)}, after the runs ended ${mib(rssAfter)}`,
    `completed at success: ${completed.filter(Boolean).length}/${subscribers}; payloads per subscriber: ${Math.min(...payloads)}-${Math.max(...payloads)}`,
  ];
  console.log(report.join("\n"));
  if (perInterval > runs * 1.05 || completed.some((done) => !done)) process.exitCode = 1;
}
