import type { UpstreamCallRecord } from "../loader/operation-context.js";

/** What the waterfall draws of one upstream call (a debug result's `extensions.trestle.upstreamCalls` item). */
export type WaterfallCall = Pick<UpstreamCallRecord, "upstream" | "method" | "path" | "status" | "start" | "ms"> &
  Partial<Pick<UpstreamCallRecord, "route" | "batch">> & { cache?: { status?: string | undefined } | undefined };

/**
 * The upstream calls of one operation as a text waterfall, one line per call under a header:
 * upstream, method, route (the declared path template; the sent path when there is none),
 * status, cache status, batch size, start and duration in ms, then a bar on a time axis from 0
 * to the end of the last call, `width` characters wide. Calls the cache answered (`hit`,
 * `stale`) are drawn `░`, the others `█`; `-` marks an empty column.
 *
 * GraphiQL's "Upstream calls" panel shows this text under its Text button: the function runs
 * in the browser as well (it is serialized into the page), so it uses nothing but its arguments.
 */
export function formatWaterfall(calls: readonly WaterfallCall[], width = 24): string {
  const titles = ["upstream", "method", "route", "status", "cache", "batch", "start", "ms"];
  // Numbers (batch, start, ms) align right.
  const firstNumber = 5;
  const end = calls.reduce((last, call) => Math.max(last, call.start + call.ms), 0);
  const rows = calls.map((call) => [
    call.upstream,
    call.method,
    call.route ?? call.path,
    String(call.status),
    call.cache?.status ?? "-",
    call.batch === undefined ? "-" : String(call.batch),
    call.start.toFixed(1),
    call.ms.toFixed(1),
  ]);
  const widths = titles.map((title, at) => rows.reduce((widest, row) => Math.max(widest, (row[at] ?? "").length), title.length));
  const line = (cells: readonly string[]) =>
    cells.map((cell, at) => (at >= firstNumber ? cell.padStart(widths[at] ?? 0) : cell.padEnd(widths[at] ?? 0))).join("  ");
  const scale = end > 0 ? width / end : 0;
  const bar = (call: WaterfallCall) => {
    // Rounded at both ends, so that a call that starts as another ends does not share its cell.
    const from = Math.min(width - 1, Math.round(call.start * scale));
    const to = Math.max(from + 1, Math.min(width, Math.round((call.start + call.ms) * scale)));
    const cached = call.cache?.status === "hit" || call.cache?.status === "stale";
    return `|${" ".repeat(from)}${(cached ? "░" : "█").repeat(to - from)}${" ".repeat(width - to)}|`;
  };
  const last = `${end.toFixed(1)} ms`;
  const axis = `|0 ms${last.padStart(Math.max(width - 4, last.length))}|`;
  return [line(titles) + "  " + axis, ...rows.map((row, at) => line(row) + "  " + bar(calls[at]!))].join("\n");
}
