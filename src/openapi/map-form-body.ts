import type { SchemaClassifier, SchemaEntry } from "./classify-schema.js";
import type { NameRegistry } from "./graphql-names.js";
import { argumentName } from "./map-parameters.js";
import { render, type SchemaMapper } from "./map-schema.js";
import type { MediaEntry } from "./read-operation.js";
import { isRecord } from "./resolve-ref.js";
import type { SdlInputValue, SdlValue } from "./sdl-model.js";

/** What a form request body becomes: one argument per property, and `@rest`'s `form:` (and `formEncoding:`). */
export interface MappedForm {
  args: SdlInputValue[];
  /** `@rest` arguments: `form`, and `formEncoding: URLENCODED` for URL-encoded bodies. */
  rest: Array<[string, SdlValue]>;
}

export interface FormContext {
  mapper: SchemaMapper;
  classifier: SchemaClassifier;
  argNames: NameRegistry;
  typeHint: string;
  required: boolean;
}

const multipartType = /^multipart\/form-data\b/i;
const urlEncodedType = /^application\/x-www-form-urlencoded\b/i;

/**
 * A `multipart/form-data` or `application/x-www-form-urlencoded` request body (an object
 * schema) → `form:`: each property one argument and one part named by its key. A binary
 * property (`format: binary`, or OpenAPI 3.1's `contentMediaType` / `contentEncoding`) is an
 * `Upload` (a list of them `[Upload!]`), sent as a file part; the others are text parts
 * (`{args.x}`). Undefined when the body has neither media type; `skip` with the reason when
 * it cannot be sent as a form (not an object of properties, or files in a URL-encoded body).
 */
export function mapFormBody(content: readonly MediaEntry[], ctx: FormContext): MappedForm | { skip: string } | undefined {
  const media = content.find((m) => multipartType.test(m.mediaType)) ?? content.find((m) => urlEncodedType.test(m.mediaType));
  if (media === undefined) return undefined;
  const urlEncoded = urlEncodedType.test(media.mediaType);
  const { shape } = ctx.classifier.deref({ schema: media.schema ?? {}, pointer: media.pointer });
  if (shape.kind !== "object" || shape.properties.length === 0)
    return { skip: `request body is ${media.mediaType} without named properties to send as form parts` };
  const args: SdlInputValue[] = [];
  const parts: SdlValue[] = [];
  for (const property of shape.properties) {
    const required = ctx.required && shape.required.has(property.key);
    const file = fileShape(property, ctx.classifier);
    if (file !== undefined && urlEncoded)
      return { skip: `request body is ${media.mediaType} with a file (${property.key}); files need multipart/form-data` };
    const name = ctx.argNames.claim(argumentName(property.key));
    const type =
      file === "list"
        ? `[Upload!]${required ? "!" : ""}`
        : file === "one"
          ? `Upload${required ? "!" : ""}`
          : render(withNullable(ctx.mapper.map(property.schema, property.pointer, `${ctx.typeHint}${name}`, "input"), !required));
    if (file !== undefined) ctx.mapper.getUploadType();
    const { entry, shape: propertyShape } = ctx.classifier.deref(property);
    const description = propertyShape.description;
    // A text part's default (FastAPI's `Form(3)`) stays the argument's default.
    const fallback = isRecord(entry.schema) ? entry.schema["default"] : undefined;
    const defaultValue =
      file === undefined && ["string", "number", "boolean"].includes(typeof fallback) ? (fallback as SdlValue) : undefined;
    args.push({
      name,
      ...(description === undefined ? {} : { description }),
      type,
      ...(defaultValue === undefined ? {} : { defaultValue }),
      directives: [],
    });
    parts.push({
      fields: [
        ["name", property.key],
        ["value", `{args.${name}}`],
      ],
    });
  }
  const rest: Array<[string, SdlValue]> = [["form", parts]];
  if (urlEncoded) rest.push(["formEncoding", { enum: "URLENCODED" }]);
  return { args, rest };
}

function withNullable<T extends { nullable: boolean }>(use: T, nullable: boolean): T {
  return { ...use, nullable: use.nullable || nullable };
}

/** "one" for a binary property, "list" for an array of them, else undefined (a text part). */
function fileShape(property: SchemaEntry, classifier: SchemaClassifier): "one" | "list" | undefined {
  const { entry, shape } = classifier.deref(property);
  if (isBinary(entry.schema)) return "one";
  if (shape.kind === "array" && isBinary(classifier.deref(shape.items).entry.schema)) return "list";
  return undefined;
}

/** `format: binary`, `contentMediaType` or `contentEncoding` (OpenAPI 3.1), on the schema or a non-null branch of its anyOf/oneOf. */
function isBinary(schema: unknown): boolean {
  if (!isRecord(schema)) return false;
  if (schema["format"] === "binary" || typeof schema["contentMediaType"] === "string" || typeof schema["contentEncoding"] === "string")
    return true;
  const branches = [schema["anyOf"], schema["oneOf"]].flatMap((list) => (Array.isArray(list) ? list : []));
  return branches.some((branch) => isBinary(branch));
}
