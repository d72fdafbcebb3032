import type { SchemaClassifier } from "./classify-schema.js";
import { NameRegistry, toPascalCase } from "./graphql-names.js";
import { argumentName, mapParameters } from "./map-parameters.js";
import { mapPaging, noteBodyPaging } from "./map-paging.js";
import type { SecurityPlan } from "./map-security.js";
import { render, type SchemaMapper, type TypeUse } from "./map-schema.js";
import type { MediaEntry, NormalizedOperation, NormalizedResponse } from "./read-operation.js";
import { printString } from "./print-sdl.js";
import { mapFormBody } from "./map-form-body.js";
import { planStream, toSubscription } from "./plan-stream.js";
import type { SdlDirective, SdlField, SdlInputValue, SdlValue } from "./sdl-model.js";

/**
 * Operations → root fields with `@rest`. GET becomes a Query field, every other method a
 * Mutation field, an operation that answers a stream a Subscription field (plan-stream.ts).
 * What the bridge cannot call cleanly (non-JSON bodies, cookie-only
 * auth, HEAD) is returned as `skipped` with the reason, for the output's comments and summary.
 */

export interface SkippedOperation {
  method: string;
  path: string;
  operationId?: string;
  reason: string;
}

export interface MappedOperations {
  query: SdlField[];
  mutation: SdlField[];
  /** Operations that answer a stream (plan-stream.ts). */
  subscription: SdlField[];
  skipped: SkippedOperation[];
}

export interface OperationContext {
  upstream: string;
  mapper: SchemaMapper;
  classifier: SchemaClassifier;
  security: SecurityPlan;
}

/** Media types the runtime reads as JSON (the same test as the connector's). */
const jsonMediaType = /^application\/(?:[\w.+-]*\+)?json\b|^text\/json\b/i;

/** `names` holds each operation's field name (see `nameOperations`). */
export function mapOperations(
  operations: readonly NormalizedOperation[],
  names: ReadonlyMap<NormalizedOperation, string>,
  ctx: OperationContext,
): MappedOperations {
  const result: MappedOperations = { query: [], mutation: [], subscription: [], skipped: [] };
  for (const op of operations) {
    const name = names.get(op) ?? op.method;
    const stream = planStream(op, ctx.classifier);
    const mapped = stream.kind === "skip" ? { skip: stream.reason } : mapOperation(stream.kind === "stream" ? stream.op : op, name, ctx);
    if ("skip" in mapped) {
      result.skipped.push({
        method: op.method.toUpperCase(),
        path: op.path,
        ...(op.operationId === undefined ? {} : { operationId: op.operationId }),
        reason: mapped.skip,
      });
    } else if (stream.kind === "stream") {
      result.subscription.push(toSubscription(mapped, stream));
    } else {
      if (stream.kind === "also") mapped.comments.push(stream.comment);
      (op.method === "get" ? result.query : result.mutation).push(mapped);
    }
  }
  return result;
}

function mapOperation(op: NormalizedOperation, name: string, ctx: OperationContext): SdlField | { skip: string } {
  if (op.method === "head") return { skip: "HEAD answers carry no body to resolve a field from" };
  if (op.method === "trace") return { skip: "TRACE is not a method Trestle sends" };
  const authProblem = ctx.security.getUnbridgeableReason(op);
  if (authProblem !== undefined) return { skip: authProblem };
  const answer = selectAnswer(op.responses);
  if ("skip" in answer) return answer;

  const typeHint = toPascalCase(name);
  const argNames = new NameRegistry();
  const params = mapParameters(op, argNames, { mapper: ctx.mapper, classifier: ctx.classifier, typeHint });
  if ("skip" in params) return params;
  // A list GET that pages (limit/offset, page/per_page, a cursor): a Relay connection (map-paging.ts).
  const paging = answer.media === undefined ? undefined : mapPaging(op, params, answer.media, typeHint, ctx);
  const comments = [...params.comments, ...(paging === undefined ? [] : [paging.comment])];
  const args: SdlInputValue[] = [...(paging?.args ?? params.args)];

  let body: string | undefined;
  let form: Array<[string, SdlValue]> = [];
  const requestBody = op.requestBody;
  if (requestBody !== undefined && requestBody.content.length > 0) {
    const json = pickJson(requestBody.content);
    // Forms (files included) go as `form:`, unless the call is a GET (Trestle sends no body with GET).
    const mapped =
      json !== undefined || op.method === "get"
        ? undefined
        : mapFormBody(requestBody.content, { ...ctx, argNames, typeHint, required: requestBody.required });
    if (mapped !== undefined && "skip" in mapped) return mapped;
    if (mapped !== undefined) {
      args.push(...mapped.args);
      form = mapped.rest;
    }
    // A call without its upload or form data is not that operation, even when the body is optional.
    else if (json === undefined) return { skip: `request body is ${describeBody(requestBody.content)}, not JSON` };
    else if (op.method === "get") {
      if (requestBody.required) return { skip: "a GET with a request body, which Trestle does not send" };
      comments.push("left out the optional request body: Trestle sends no body with GET");
    } else {
      const use = ctx.mapper.map(json.schema ?? {}, json.pointer, typeHint, "input");
      const argName = argNames.claim(argNames.has("input") ? argumentName("body") : "input");
      args.push({
        name: argName,
        ...(requestBody.description === undefined ? {} : { description: requestBody.description }),
        type: render({ ...use, nullable: use.nullable || !requestBody.required }),
        directives: [],
      });
      body = `{args.${argName}}`;
      const bodyPaging = noteBodyPaging(json, ctx.classifier);
      if (bodyPaging !== undefined) comments.push(bodyPaging);
    }
  }

  const restArgs: Array<[string, SdlValue]> = [["upstream", ctx.upstream]];
  if (op.method !== "get") restArgs.push(["method", { enum: op.method.toUpperCase() }]);
  restArgs.push(["path", paging?.path ?? params.path]);
  if (paging !== undefined) restArgs.push(["paginate", paging.paginate]);
  if (body !== undefined) restArgs.push(["body", body]);
  restArgs.push(...form);
  if (params.headers.length > 0) restArgs.push(["headers", params.headers]);
  const directives: SdlDirective[] = [{ name: "rest", args: restArgs }];
  if (op.deprecated) directives.push({ name: "deprecated", args: [] });

  let type: TypeUse;
  const notes: string[] = [];
  if (answer.media === undefined && answer.status !== undefined && /^2/.test(answer.status)) {
    // Trestle resolves an empty success answer to true for a Boolean field (and to null otherwise).
    type = { type: "Boolean", nullable: true };
    notes.push(`Answers ${answer.status} with no content: true when the call succeeds.`);
  } else if (answer.media === undefined) {
    type = ctx.mapper.getJsonType();
    notes.push(
      answer.status === undefined
        ? "The spec describes no success answer; this resolves to the upstream's JSON, if any."
        : `Answers ${answer.status} with no content: null when the call succeeds.`,
    );
  } else if (paging !== undefined) {
    type = { type: paging.type, nullable: true };
  } else {
    type = ctx.mapper.map(answer.media.schema ?? {}, answer.media.pointer, `${typeHint}Response`, "output");
    const hint = suggestBatch(op, params.path, answer.media, ctx);
    if (hint !== undefined) comments.push(hint);
  }
  // FastAPI's summary is the function's name in words ("List Models" on listModels): it says nothing new.
  const summary = op.summary !== undefined && words(op.summary) === words(name) ? undefined : op.summary;
  const description = [...new Set([summary, op.description, ...notes].filter((text): text is string => text !== undefined))].join("\n\n");
  return { name, ...(description === "" ? {} : { description }), args, type: render({ ...type, nullable: true }), directives, comments };
}

function words(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * A GET that takes a list of keys in one query parameter and answers a list of objects holding
 * such a key (`GET /users?ids=1&ids=2` → `[{ id, … }]`) can serve a parent-keyed field for many
 * parents in one call: a comment says how, with `{keys*}` when the parameter is repeated
 * (`explode`, FastAPI's `List[int] = Query()`) and `{keys}` when it is comma-joined.
 */
function suggestBatch(op: NormalizedOperation, path: string, media: MediaEntry, ctx: OperationContext): string | undefined {
  if (op.method !== "get" || op.parameters.some((p) => p.in === "path")) return undefined;
  const lists = op.parameters.filter(
    (p) => p.in === "query" && ctx.classifier.deref({ schema: p.schema, pointer: p.schemaPointer }).shape.kind === "array",
  );
  const param = lists.length === 1 ? lists[0] : undefined;
  if (param === undefined || op.parameters.some((p) => p !== param && p.required)) return undefined;
  const answer = ctx.classifier.deref({ schema: media.schema, pointer: media.pointer }).shape;
  if (answer.kind !== "array") return undefined;
  const item = ctx.classifier.deref(answer.items).shape;
  if (item.kind !== "object") return undefined;
  const keys = item.properties.map((p) => p.key);
  // `ids` → id, `user_ids` → user_id or id, `names` → name: the parameter must name the key.
  const singulars = [/s$/, /es$/, /_?[Ll]ist$/].map((ending) => param.name.replace(ending, "")).filter((name) => name !== param.name);
  const lastWords = singulars.map(
    (name) =>
      name
        .split(/_|(?=[A-Z])/)
        .at(-1)
        ?.toLowerCase() ?? name,
  );
  const key = [...singulars, ...lastWords].find(
    (candidate) => keys.includes(candidate) && /(?:^|_)(?:id|uuid|key|name)$|(?:Id|Key)$/.test(candidate),
  );
  if (key === undefined) return undefined;
  const query = `${encodeURIComponent(param.name)}=${param.joined ? "{keys}" : "{keys*}"}`;
  const batchPath = path.split("?")[0] + "?" + query;
  return `batch endpoint: a field keyed by its parent can use @rest(…, batch: { path: ${printString(batchPath)}, key: ${printString(key)} })`;
}

/** The success answer to type the field with: the first 2xx with JSON, else `default`. */
function selectAnswer(responses: readonly NormalizedResponse[]): { media?: MediaEntry; status?: string } | { skip: string } {
  const rank = (status: string) => (/^2\d\d$/.test(status) ? Number(status) : /^2xx$/i.test(status) ? 299.5 : Infinity);
  const successes = responses.filter((r) => rank(r.status) !== Infinity).sort((a, b) => rank(a.status) - rank(b.status));
  const candidates = successes.length > 0 ? successes : responses.filter((r) => r.status === "default");
  for (const response of candidates) {
    const media = pickJson(response.content);
    if (media !== undefined) return { media, status: response.status };
  }
  const other = candidates.find((response) => response.content.length > 0);
  if (other !== undefined) return { skip: `answers ${describeAnswer(other.content)}, not JSON` };
  const first = candidates[0];
  return first === undefined ? {} : { status: first.status };
}

function pickJson(content: readonly MediaEntry[]): MediaEntry | undefined {
  return (
    content.find((media) => /^application\/json\b/i.test(media.mediaType)) ??
    content.find((media) => jsonMediaType.test(media.mediaType)) ??
    content.find((media) => media.mediaType === "*/*" && media.schema !== undefined)
  );
}

function describeBody(content: readonly MediaEntry[]): string {
  const types = content.map((media) => media.mediaType.split(";")[0]?.trim() ?? media.mediaType);
  const multipart = types.find((type) => type.startsWith("multipart/"));
  if (multipart !== undefined) return `${multipart} (a file upload)`;
  if (types.includes("application/x-www-form-urlencoded")) return "a form (application/x-www-form-urlencoded)";
  return types.join(" or ");
}

function describeAnswer(content: readonly MediaEntry[]): string {
  const types = content.map((media) => media.mediaType.split(";")[0]?.trim() ?? media.mediaType);
  const stream = types.find((type) => type === "text/event-stream" || /ndjson|jsonl|json-seq/i.test(type));
  return stream === undefined ? types.join(" or ") : `a stream (${stream})`;
}
