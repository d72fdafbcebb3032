import type { SchemaClassifier, SchemaEntry } from "./classify-schema.js";
import type { MediaEntry, NormalizedOperation, NormalizedResponse } from "./read-operation.js";
import { appendPointer, isRecord } from "./resolve-ref.js";
import type { SdlField, SdlValue } from "./sdl-model.js";

/**
 * Operations whose success answer is a stream (`text/event-stream`, `application/x-ndjson`,
 * `application/jsonl`) → `Subscription` fields with `@rest(…, stream: { format })`. Only when
 * the stream is what the operation answers: alone, or beside FastAPI's placeholder
 * `application/json: { schema: {} }` (a `StreamingResponse` with `responses` declared). When the
 * same operation also answers a described JSON body (OpenAI's `stream: true` flag, Airflow's
 * `Accept` choice) the request picks one and the import does not guess: the JSON field stays, with
 * a comment. A stream beside another kind of body (audio) is skipped, saying why.
 */

export type StreamFormat = "SSE" | "NDJSON";

export type StreamPlan =
  /** Not a stream: mapped as before. */
  | { kind: "plain" }
  /** Mapped as before; `comment` says what else it can answer. */
  | { kind: "also"; comment: string }
  | { kind: "skip"; reason: string }
  /** `op` answers one item of the stream as JSON: map it, then `toSubscription`. */
  | { kind: "stream"; op: NormalizedOperation; format: StreamFormat; mediaType: string; note?: string };

const formats: Record<string, StreamFormat> = {
  "text/event-stream": "SSE",
  "application/x-ndjson": "NDJSON",
  "application/jsonl": "NDJSON",
  "application/x-jsonlines": "NDJSON",
};
const jsonMediaType = /^application\/(?:[\w.+-]*\+)?json\b|^text\/json\b/i;

export function planStream(op: NormalizedOperation, classifier: SchemaClassifier): StreamPlan {
  const response = successResponse(op.responses);
  if (response === undefined) return { kind: "plain" };
  const streams = response.content.filter((media) => formats[baseType(media.mediaType)] !== undefined);
  const stream = streams[0];
  if (stream === undefined) {
    // RFC 7464 records (`application/json-seq`) look like JSON by name, but no JSON parser reads them.
    const sequence = response.content.find((media) => /json-seq/i.test(media.mediaType));
    return sequence === undefined || response.content.some((media) => media !== sequence && jsonMediaType.test(media.mediaType))
      ? { kind: "plain" }
      : { kind: "skip", reason: `answers ${baseType(sequence.mediaType)} (RFC 7464 records), which Trestle does not read as a stream` };
  }
  const mediaType = baseType(stream.mediaType);
  const others = response.content.filter((media) => formats[baseType(media.mediaType)] === undefined);
  const described = others.filter((media) => !jsonMediaType.test(media.mediaType) || !isEmptySchema(media.schema));
  if (described.some((media) => jsonMediaType.test(media.mediaType))) {
    return {
      kind: "also",
      comment: `also streams ${mediaType} when the request asks: a Subscription field with stream: { format: ${formats[mediaType]} } can serve that (docs/openapi-import.md)`,
    };
  }
  if (described.length > 0) {
    const types = [...new Set(described.map((media) => baseType(media.mediaType)))].join(" or ");
    return {
      kind: "skip",
      reason: `answers ${types} or a stream (${mediaType}), as the request chooses; neither is JSON to type a field with`,
    };
  }
  const format = formats[mediaType]!;
  const item = itemSchema(stream, format, classifier);
  const note =
    item === undefined
      ? `The document gives no schema for the stream's items: each ${format === "SSE" ? "event's data" : "line"} is passed on as JSON.`
      : undefined;
  const json: MediaEntry = { mediaType: "application/json", schema: item?.schema ?? {}, pointer: item?.pointer ?? stream.pointer };
  const answered: NormalizedResponse = { status: response.status, content: [json], pointer: response.pointer };
  return { kind: "stream", op: { ...op, responses: [answered] }, format, mediaType, ...(note === undefined ? {} : { note }) };
}

/** The field `planStream`'s `op` was mapped to, made a subscription: `stream:` on its `@rest`, the note in its description. */
export function toSubscription(field: SdlField, plan: Extract<StreamPlan, { kind: "stream" }>): SdlField {
  const stream: SdlValue = { fields: [["format", { enum: plan.format }]] };
  const directives = field.directives.map((directive) =>
    directive.name === "rest" ? { ...directive, args: [...directive.args, ["stream", stream] as [string, SdlValue]] } : directive,
  );
  const said = `Streams ${plan.mediaType}: one payload per ${plan.format === "SSE" ? "event" : "line"}.`;
  const description = [field.description, said, plan.note].filter((text): text is string => text !== undefined).join("\n\n");
  return { ...field, description, directives };
}

/** The first 2xx answer that has content (by status), else `default`: as the JSON answer is chosen. */
function successResponse(responses: readonly NormalizedResponse[]): NormalizedResponse | undefined {
  const rank = (status: string) => (/^2\d\d$/.test(status) ? Number(status) : /^2xx$/i.test(status) ? 299.5 : Infinity);
  const successes = responses.filter((r) => rank(r.status) !== Infinity).sort((a, b) => rank(a.status) - rank(b.status));
  const candidates = successes.length > 0 ? successes : responses.filter((r) => r.status === "default");
  return candidates.find((response) => response.content.length > 0);
}

/**
 * The schema of one item: OpenAPI 3.2's `itemSchema` (for SSE, its `data` member's
 * `contentSchema`), else the media type's `schema` when it describes JSON items (not the
 * `type: string` a stream of text is often given; for NDJSON an array's items). Undefined when
 * the document does not say.
 */
function itemSchema(media: MediaEntry, format: StreamFormat, classifier: SchemaClassifier): SchemaEntry | undefined {
  if (media.item !== undefined) {
    if (format === "NDJSON") return media.item;
    const event = classifier.deref(media.item).entry;
    const data = isRecord(event.schema) && isRecord(event.schema["properties"]) ? event.schema["properties"]["data"] : undefined;
    if (!isRecord(data)) return undefined;
    const dataPointer = appendPointer(appendPointer(event.pointer, "properties"), "data");
    if (data["contentSchema"] !== undefined) return { schema: data["contentSchema"], pointer: appendPointer(dataPointer, "contentSchema") };
    return data["type"] === "string" ? undefined : { schema: data, pointer: dataPointer };
  }
  if (media.schema === undefined || isEmptySchema(media.schema)) return undefined;
  const given = { schema: media.schema, pointer: media.pointer };
  const { shape } = classifier.deref(given);
  if (shape.kind === "scalar" && shape.scalar === "String") return undefined;
  if (shape.kind === "array" && format === "NDJSON") return shape.items;
  return given;
}

function isEmptySchema(schema: unknown): boolean {
  return schema === undefined || (isRecord(schema) && Object.keys(schema).length === 0);
}

function baseType(mediaType: string): string {
  return (mediaType.split(";")[0] ?? mediaType).trim().toLowerCase();
}
