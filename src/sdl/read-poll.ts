import { Kind, type DirectiveNode, type ObjectValueNode } from "graphql";
import type { PollPlan } from "../plan/schema-plan.js";
import { parseDotPath, type DiagnosticList } from "./diagnostics.js";
import type { StreamSite } from "./read-stream.js";
import { argumentNode } from "./read-upstreams.js";

/** The bounds of `poll:`, one source for the reader, docs/jobs.md and its tests. */
export const pollBounds = {
  /** The shortest `everyMs`: no loop reads an upstream more often. */
  minEveryMs: 100,
  /** `timeoutMs` when left out: one hour. */
  defaultTimeoutMs: 3_600_000,
  /** The longest `timeoutMs`: one day. */
  maxTimeoutMs: 86_400_000,
} as const;

type RawPoll = { everyMs: number; until?: { path: string; in: readonly string[] } | null; timeoutMs?: number | null };

/**
 * `@rest(poll:)`: only on `Subscription` root fields, not with `stream:` or `batch:`;
 * `everyMs` at least 100, `timeoutMs` between `everyMs` and one day (one hour when left out),
 * `until.path` a dot path and `until.in` not empty. (A Subscription `@rest` field with neither
 * `stream:` nor `poll:` is reported by readStream.)
 */
export function readPoll(site: StreamSite, node: DirectiveNode, diagnostics: DiagnosticList): PollPlan | undefined {
  const { values, coordinate } = site;
  const raw = values["poll"] as RawPoll | null | undefined;
  if (raw === undefined || raw === null) return undefined;
  const pollNode = argumentNode(node, "poll") ?? node;
  const at = (name: string) => fieldNode(pollNode, name) ?? pollNode;
  if (site.schema.getSubscriptionType()?.name !== site.typeName) {
    diagnostics.error(
      pollNode,
      `@rest on ${coordinate} has poll:, which only a Subscription field may have (a Query or Mutation field answers once)`,
    );
    return undefined;
  }
  let valid = true;
  const fail = (where: Parameters<DiagnosticList["error"]>[0], message: string) => {
    diagnostics.error(where, message);
    valid = false;
  };
  if (values["stream"] !== undefined && values["stream"] !== null)
    fail(pollNode, `@rest on ${coordinate} has both stream: and poll:; a subscription either reads one stream or repeats one read`);
  if (values["batch"] !== undefined && values["batch"] !== null)
    fail(argumentNode(node, "batch") ?? node, `@rest on ${coordinate} has both poll: and batch:; a poll repeats one read of its own`);
  if (values["form"] !== undefined && values["form"] !== null)
    fail(
      argumentNode(node, "form") ?? node,
      `@rest on ${coordinate} has both poll: and form:; a poll repeats a read, it does not send files`,
    );
  const { minEveryMs, defaultTimeoutMs, maxTimeoutMs } = pollBounds;
  if (raw.everyMs < minEveryMs)
    fail(at("everyMs"), `poll everyMs on ${coordinate} must be at least ${minEveryMs} (ms between reads), received ${raw.everyMs}`);
  const timeoutMs = raw.timeoutMs ?? defaultTimeoutMs;
  if (timeoutMs < raw.everyMs || timeoutMs > maxTimeoutMs)
    fail(
      at("timeoutMs"),
      `poll timeoutMs on ${coordinate} must be between everyMs (${raw.everyMs}) and ${maxTimeoutMs} (one day), received ${timeoutMs}`,
    );
  let until: PollPlan["until"];
  if (raw.until !== undefined && raw.until !== null) {
    const path = parseDotPath(raw.until.path);
    if (path === undefined || raw.until.path === "")
      fail(at("until"), `poll until.path "${raw.until.path}" on ${coordinate} is not a dot path like "state" or "run.status"`);
    if (raw.until.in.length === 0)
      fail(at("until"), `poll until.in on ${coordinate} is empty: list the values that end a run, e.g. in: ["success", "failed"]`);
    if (path !== undefined) until = { path, in: [...raw.until.in] };
  }
  if (!valid) return undefined;
  return { everyMs: raw.everyMs, until, timeoutMs };
}

/** The value of one field of an input object literal, for a precise place. */
function fieldNode(value: { kind: string }, name: string) {
  if (value.kind !== Kind.OBJECT) return undefined;
  return (value as ObjectValueNode).fields.find((field) => field.name.value === name)?.value;
}
