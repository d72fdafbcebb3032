import type { NormalizedOperation } from "./read-operation.js";
import { isRecord, type RefResolver } from "./resolve-ref.js";
import type { SdlField, SdlValue } from "./sdl-model.js";

/**
 * Trigger-then-poll (issue #19): a `POST /things` that answers an object with an id and a
 * `state`/`status` enum, beside a `GET /things/{id}` answering the same, is a run that clients
 * follow to its end. For each such pair whose GET became a Query field, a Subscription field of
 * the same name reads that GET with `poll:`, ending at the enum's terminal values when they are
 * recognisable (success, failed, completed, canceled…: a good end among them), with a comment
 * saying what was guessed. When they are not, the Query field gets a commented template instead.
 */

/** Property names read as a run's state, in this order. */
const stateProperties = ["state", "status", "state_type", "phase"];
/** Enum values that end a run well, compared case-insensitively: a subscription is made only when one is there. */
const succeeded = new Set(["success", "succeeded", "successful", "completed", "complete", "done", "finished", "processed"]);
/** Enum values that end a run, compared case-insensitively. */
const terminal = new Set([
  ...succeeded,
  "failed",
  "failure",
  "error",
  "errored",
  "crashed",
  "canceled",
  "cancelled",
  "aborted",
  "terminated",
  "timed_out",
  "timedout",
  "skipped",
  "rejected",
  "expired",
]);
/** How often the generated subscription reads (a guess the comment says to check). */
const guessedEveryMs = 1000;

export interface PlannedPolls {
  subscription: SdlField[];
}

export function planPolls(
  operations: readonly NormalizedOperation[],
  names: ReadonlyMap<NormalizedOperation, string>,
  query: readonly SdlField[],
  resolver: RefResolver,
): PlannedPolls {
  const subscription: SdlField[] = [];
  const taken = new Set<string>();
  for (const trigger of operations) {
    if (trigger.method !== "post") continue;
    const created = answerProperties(trigger, resolver);
    if (created === undefined || !Object.keys(created).some(isIdProperty)) continue;
    const base = trigger.path.replace(/\/+$/, "");
    const read = operations.find((op) => op.method === "get" && new RegExp(`^${escapeRegExp(base)}/\\{[^/{}]+\\}/?$`).test(op.path));
    const field = read === undefined ? undefined : query.find((candidate) => candidate.name === names.get(read));
    if (read === undefined || field === undefined || taken.has(field.name)) continue;
    const answer = answerProperties(read, resolver) ?? created;
    const state = stateProperties.find((name) => enumOf(answer[name], resolver) !== undefined);
    if (state === undefined) continue;
    const values = enumOf(answer[state], resolver)!;
    const ends = values.filter((value) => terminal.has(value.toLowerCase()));
    const rest = field.directives.find((directive) => directive.name === "rest");
    if (rest === undefined) continue;
    const guessed = `POST ${trigger.path} starts a run and GET ${read.path} reads it`;
    if (!ends.some((value) => succeeded.has(value.toLowerCase()))) {
      const path = rest.args.find(([name]) => name === "path")?.[1];
      field.comments.push(
        `POST ${trigger.path} and GET ${read.path} look like trigger-then-poll, but no value of "${state}" (${values.join(", ")}) is one the importer knows ends a run well, so no subscription was made. To follow it:`,
        `  type Subscription { ${field.name}(…): ${field.type} @rest(path: ${JSON.stringify(path)}, poll: { everyMs: ${guessedEveryMs}, until: { path: "${state}", in: ["<final values>"] } }) }`,
      );
      continue;
    }
    taken.add(field.name);
    const poll: SdlValue = {
      fields: [
        ["everyMs", guessedEveryMs],
        [
          "until",
          {
            fields: [
              ["path", state],
              ["in", ends],
            ],
          },
        ],
      ],
    };
    subscription.push({
      name: field.name,
      description: `Follows the run until its ${state} is ${ends.join(", ")}: polled, one loop per run however many subscribe.`,
      args: field.args,
      type: field.type,
      directives: [{ name: "rest", args: [...rest.args.filter(([name]) => name !== "poll"), ["poll", poll]] }],
      comments: [
        `Guessed by the importer: ${guessed}; "${state}" ends it at ${ends.join(", ")} (of ${values.join(", ")}). Check the final values and everyMs.`,
      ],
    });
  }
  return { subscription };
}

function isIdProperty(name: string): boolean {
  return name === "id" || name === "uid" || /[a-z0-9](?:_id|Id)$/.test(name);
}

/** The properties of the operation's first 2xx JSON answer, when it is an object. */
function answerProperties(op: NormalizedOperation, resolver: RefResolver): Record<string, unknown> | undefined {
  const success = op.responses.filter((response) => /^2(?:\d\d|xx)$/i.test(response.status));
  for (const response of success) {
    const media = response.content.find((entry) => /json/i.test(entry.mediaType));
    if (media !== undefined) return propertiesOf(media.schema, media.pointer, resolver, 0);
  }
  return undefined;
}

function propertiesOf(schema: unknown, pointer: string, resolver: RefResolver, depth: number): Record<string, unknown> | undefined {
  if (depth > 8) return undefined;
  const node = resolver.deref(schema, pointer).value;
  if (!isRecord(node)) return undefined;
  const own = isRecord(node["properties"]) ? node["properties"] : {};
  const parts = Array.isArray(node["allOf"]) ? node["allOf"] : [];
  const merged: Record<string, unknown> = {};
  for (const part of parts) Object.assign(merged, propertiesOf(part, pointer, resolver, depth + 1) ?? {});
  Object.assign(merged, own);
  return Object.keys(merged).length === 0 ? undefined : merged;
}

/** The string values of an enum schema (through `$ref`, `allOf` of one, and a nullable `anyOf`/`oneOf`). */
function enumOf(schema: unknown, resolver: RefResolver, depth = 0): string[] | undefined {
  if (schema === undefined || depth > 8) return undefined;
  const node = resolver.deref(schema, "#").value;
  if (!isRecord(node)) return undefined;
  if (Array.isArray(node["enum"])) {
    const values = node["enum"].filter((value): value is string => typeof value === "string");
    return values.length > 0 ? values : undefined;
  }
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    const options = node[key];
    if (!Array.isArray(options)) continue;
    const found = options.map((option) => enumOf(option, resolver, depth + 1)).filter((values) => values !== undefined);
    if (found.length === 1) return found[0];
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
