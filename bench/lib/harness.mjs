// Shared by run.mjs and profile.mjs: the upstream process and its control routes, the
// requests a scenario sends, and waiting for a system's first answer.
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { queries } from "./api.mjs";
import { getFreePort, spawnNode, summarizeOutput } from "./processes.mjs";

export async function send({ url, method, headers, body }, timeoutMs = 10_000) {
  const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, text: await response.text() };
}

/** Starts bench/upstream/server.mjs on a free port; resolves once it answers. */
export async function startUpstream(benchDir) {
  const port = await getFreePort();
  const handle = spawnNode([join(benchDir, "upstream", "server.mjs")], { cwd: benchDir, env: { PORT: String(port) } });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    try {
      await send({ url: `${url}/__stats`, method: "GET", headers: {} }, 500);
      return { handle, url };
    } catch {
      await sleep(20);
    }
  }
  throw new Error(`the upstream did not start: ${handle.output()}`);
}

export async function configureUpstream(upstream, config) {
  await send({ url: `${upstream.url}/__config`, method: "POST", headers: {}, body: JSON.stringify(config) });
}

export async function resetUpstream(upstream) {
  await send({ url: `${upstream.url}/__reset`, method: "POST", headers: {} });
}

export async function readUpstreamStats(upstream) {
  return JSON.parse((await send({ url: `${upstream.url}/__stats`, method: "GET", headers: {} })).text);
}

/** The HTTP request a scenario sends to a system. */
export function buildRequest(scenario, system, target) {
  if (system.kind === "raw") {
    const raw = scenario.raw;
    return { url: target + raw.path, method: raw.method, headers: raw.body ? { "content-type": "application/json" } : {}, body: raw.body };
  }
  if (scenario.passthrough !== undefined) {
    return { url: target + system.proxyPrefix + scenario.passthrough, method: "GET", headers: {} };
  }
  return {
    url: target + system.graphqlPath,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
    body: JSON.stringify({ query: queries[scenario.query] }),
  };
}

/** Polls until the system answers its first query; that moment ends its cold start. */
export async function waitUntilAnswering(system, target, handle, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  const probe =
    system.kind === "proxy"
      ? { url: `${target}${system.proxyPrefix}/users/1`, method: "GET", headers: {} }
      : buildRequest({ query: "user" }, system, target);
  let reason = "no answer";
  while (performance.now() < deadline) {
    if (handle.child.exitCode !== null)
      return { ok: false, reason: `exited ${handle.child.exitCode} before answering: ${summarizeOutput(handle.output())}` };
    try {
      const answer = await send(probe, 1000);
      if (answer.status === 200) return { ok: true };
      reason = `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`;
    } catch (error) {
      reason = String(error?.cause?.code ?? error?.message ?? error);
    }
    await sleep(10);
  }
  return { ok: false, reason: `no answer within ${timeoutMs / 1000} s (${reason}); last output: ${summarizeOutput(handle.output())}` };
}
