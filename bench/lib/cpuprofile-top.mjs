#!/usr/bin/env node
// The top self-time frames of a V8 .cpuprofile (node --cpu-prof): self time summed by
// function name + script URL.
//   node lib/cpuprofile-top.mjs results/profiles/trestle-n1.cpuprofile [15]
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** [{ name, url, line, selfMs, share }] sorted by self time, and the sampled total. */
export function topSelfFrames(profile, limit = 15) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfById = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample: charge it to this sample's frame.
    selfById.set(samples[i], (selfById.get(samples[i]) ?? 0) + Math.max(0, timeDeltas[i] ?? 0));
  }
  const byFrame = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfById) {
    const { callFrame } = nodes.get(id);
    const name = callFrame.functionName || "(anonymous)";
    totalUs += us;
    if (name === "(idle)") idleUs += us;
    const key = `${name} ${callFrame.url}`;
    const entry = byFrame.get(key) ?? { name, url: callFrame.url, line: callFrame.lineNumber + 1, us: 0 };
    entry.us += us;
    byFrame.set(key, entry);
  }
  const busyUs = totalUs - idleUs;
  const byArea = new Map();
  for (const f of byFrame.values()) {
    if (f.name === "(idle)") continue;
    const area = areaOf(f.url, f.name);
    byArea.set(area, (byArea.get(area) ?? 0) + f.us);
  }
  const areas = [...byArea]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([area, us]) => ({ area, selfMs: us / 1000, shareOfBusy: us / busyUs }));
  const frames = [...byFrame.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((f) => ({
      name: f.name,
      url: shortUrl(f.url),
      line: f.line,
      selfMs: f.us / 1000,
      shareOfBusy: f.name === "(idle)" ? null : f.us / busyUs,
    }));
  return { frames, areas, totalMs: totalUs / 1000, busyMs: busyUs / 1000 };
}

/** The frames as a markdown table. */
export function formatFrames({ frames, areas, totalMs, busyMs }) {
  const lines = [
    `Sampled ${totalMs.toFixed(0)} ms, of which ${busyMs.toFixed(0)} ms not idle.`,
    "",
    "| # | self ms | % of busy | function | where |",
    "|---:|---:|---:|---|---|",
  ];
  frames.forEach((f, i) => {
    lines.push(
      `| ${i + 1} | ${f.selfMs.toFixed(1)} | ${f.shareOfBusy === null ? "—" : (f.shareOfBusy * 100).toFixed(1)} | \`${f.name}\` | ${f.url ? `${f.url}:${f.line}` : "(native)"} |`,
    );
  });
  if (areas?.length) {
    lines.push(
      "",
      "Self time by area (package, Trestle's dist/ folder, Node internals, native):",
      "",
      "| area | self ms | % of busy |",
      "|---|---:|---:|",
    );
    for (const a of areas) lines.push(`| ${a.area} | ${a.selfMs.toFixed(1)} | ${(a.shareOfBusy * 100).toFixed(1)} |`);
  }
  return lines.join("\n") + "\n";
}

function areaOf(url, name) {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm !== -1) {
    const parts = path.slice(nm + 14).split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = path.lastIndexOf("/dist/");
  if (dist !== -1)
    return `trestle dist/${path
      .slice(dist + 6)
      .split("/")[0]
      .replace(/\.js$/, "")}`;
  if (path.startsWith("node:")) return "node internals";
  return path;
}

function shortUrl(url) {
  if (!url) return "";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm !== -1) return path.slice(nm + 1);
  const dist = path.lastIndexOf("/dist/");
  if (dist !== -1) return path.slice(dist + 1);
  return path;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [file, limit] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node lib/cpuprofile-top.mjs FILE.cpuprofile [N]");
    process.exit(2);
  }
  process.stdout.write(formatFrames(topSelfFrames(JSON.parse(readFileSync(file, "utf8")), Number(limit ?? 15))));
}
