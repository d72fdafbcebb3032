import type { PageStyle } from "../plan/paginate-plan.js";
import type { SchemaClassifier, SchemaEntry } from "./classify-schema.js";
import { render, type SchemaMapper } from "./map-schema.js";
import type { MappedParameters } from "./map-parameters.js";
import type { MediaEntry, NormalizedOperation } from "./read-operation.js";
import { isRecord } from "./resolve-ref.js";
import type { SdlField, SdlInputValue, SdlValue } from "./sdl-model.js";

/** A list GET that pages, as the importer writes it: a Relay connection with `paginate:`. */
export interface MappedPaging {
  args: SdlInputValue[];
  /** The path template without the paging parameters (Trestle sets them per page). */
  path: string;
  paginate: SdlValue;
  /** The connection type's name. */
  type: string;
  comment: string;
}

export interface PagingContext {
  mapper: SchemaMapper;
  classifier: SchemaClassifier;
}

const limitNames = ["limit", "page_size", "pageSize", "per_page", "perPage", "size", "max_results", "maxResults", "take"];
const offsetNames = ["offset", "skip"];
const pageNames = ["page", "page_number", "pageNumber"];
const cursorNames = ["page_token", "pageToken", "cursor", "after", "next_token", "nextToken", "continuation_token", "starting_after"];
const nextNames = [
  "next_page_token",
  "next_page",
  "nextPageToken",
  "next_cursor",
  "nextCursor",
  "next_token",
  "nextToken",
  "continuation_token",
  "last_id",
];
const totalNames = ["total", "total_entries", "total_count", "totalCount", "total_size", "totalSize", "total_items", "totalItems", "count"];
const itemNames = ["items", "data", "results", "entries", "records"];

/**
 * Recognises the common paging parameters of a list GET — `limit`/`offset` (OFFSET),
 * `page`/`per_page` (PAGE), `page_token`/`cursor`/`after` with a next-token field in the answer
 * (CURSOR) — and an answer object holding one list. Undefined when the operation does not page
 * that way (or when a paging parameter is required, or `first`/`after` are taken): it stays a
 * plain list. What it guessed goes in a `#` comment above the field.
 */
export function mapPaging(
  op: NormalizedOperation,
  params: MappedParameters,
  media: MediaEntry,
  typeHint: string,
  context: PagingContext,
): MappedPaging | undefined {
  if (op.method !== "get") return undefined;
  const query = new Map(op.parameters.filter((p) => p.in === "query").map((p) => [p.name, p]));
  const find = (names: readonly string[]) => names.find((name) => query.has(name));
  const answer = context.classifier.deref({ schema: media.schema, pointer: media.pointer }).shape;
  if (answer.kind !== "object") return undefined;
  const property = (names: readonly string[], kind: "array" | "scalar") =>
    names.find((name) => {
      const found = answer.properties.find((p) => p.key === name);
      return found !== undefined && context.classifier.deref(found).shape.kind === kind;
    });
  const lists = answer.properties.filter((p) => context.classifier.deref(p).shape.kind === "array");
  const items = lists.length === 1 ? lists[0]!.key : property(itemNames, "array");
  if (items === undefined) return undefined;

  const limit = find(limitNames);
  const offset = find(offsetNames);
  // A page parameter that is a string is a token (OpenAI's usage `page`, with `next_page` in the answer).
  const pageName = find(pageNames);
  const numeric =
    pageName !== undefined && /^(?:integer|number)$/.test(String(resolved(query.get(pageName)!, context.classifier)?.["type"]));
  const page = numeric ? pageName : undefined;
  const cursor = find(cursorNames) ?? (numeric ? undefined : pageName);
  const next = property(nextNames, "scalar");
  let style: PageStyle;
  const wire: Array<[string, string]> = [];
  if (offset !== undefined && limit !== undefined) {
    style = "OFFSET";
    wire.push(["limit", limit], ["offset", offset]);
  } else if (page !== undefined && limit !== undefined) {
    style = "PAGE";
    wire.push(["page", page], ["size", limit]);
  } else if (cursor !== undefined && next !== undefined) {
    style = "CURSOR";
    if (limit !== undefined) wire.push(["limit", limit]);
    wire.push(["cursor", cursor]);
  } else return undefined;
  const used = new Set(wire.map(([, name]) => name));
  if ([...used].some((name) => query.get(name)!.required)) return undefined;

  // The arguments the paging parameters became, found in the path template; they go, first/after come.
  // Forward-only styles drop an optional backward cursor of the upstream's (OpenAI's `before`).
  const backward = style === "OFFSET" || style === "PAGE";
  const dropped = backward
    ? []
    : [...query.values()].filter((p) => (p.name === "before" || p.name === "last") && !p.required && !used.has(p.name));
  for (const param of dropped) used.add(param.name);
  const removed = new Set<string>();
  const [pathPart, queryPart = ""] = params.path.split(/\?(.*)/s, 2) as [string, string?];
  const kept = queryPart.split("&").filter((pair) => {
    const [name = "", value = ""] = pair.split(/=(.*)/s, 2);
    if (!used.has(decodeURIComponent(name))) return true;
    const arg = /^\{args\.([^}]+)\}$/.exec(value)?.[1];
    if (arg !== undefined) removed.add(arg);
    return false;
  });
  const args = params.args.filter((arg) => !removed.has(arg.name));
  const taken = new Set(args.map((arg) => arg.name));
  if (["first", "after", "last", "before"].some((name) => taken.has(name))) return undefined;

  const limitSchema = limit === undefined ? undefined : resolved(query.get(limit)!, context.classifier);
  const maximum = typeof limitSchema?.["maximum"] === "number" && limitSchema["maximum"] >= 1 ? Math.floor(limitSchema["maximum"]) : 100;
  const maxFirst = Math.min(maximum, 100);
  const declared = typeof limitSchema?.["default"] === "number" ? limitSchema["default"] : 20;
  const first = Math.max(1, Math.min(declared, maxFirst));
  const total = property(totalNames, "scalar");
  const hasMore = style === "CURSOR" ? property(["has_more", "hasMore"], "scalar") : undefined;
  const fields: Array<[string, SdlValue]> = [
    ["style", { enum: style }],
    ["items", items],
    ...(total === undefined ? [] : ([["total", total]] as Array<[string, SdlValue]>)),
    ...wire,
    ...(style === "CURSOR" ? ([["next", next!]] as Array<[string, SdlValue]>) : []),
    ...(hasMore === undefined ? [] : ([["hasMore", hasMore]] as Array<[string, SdlValue]>)),
    ...(maxFirst === 100 ? [] : ([["maxFirst", maxFirst]] as Array<[string, SdlValue]>)),
  ];
  const itemEntry = answer.properties.find((p) => p.key === items)!;
  const list = context.classifier.deref(itemEntry).shape as { items: SchemaEntry };
  const node = context.mapper.map(list.items.schema ?? {}, list.items.pointer, `${typeHint}Item`, "output");
  const type = connectionType(context.mapper, node.type, total !== undefined);
  const pageArgs: SdlInputValue[] = [
    { name: "first", description: `Items per page, 1 to ${maxFirst}.`, type: "Int", defaultValue: first, directives: [] },
    { name: "after", description: "Cursor of the edge to continue after (pageInfo.endCursor).", type: "String", directives: [] },
  ];
  if (backward) {
    pageArgs.push(
      { name: "last", description: `Items before \`before\`, 1 to ${maxFirst}.`, type: "Int", directives: [] },
      { name: "before", description: "Cursor of the edge to page back from (pageInfo.startCursor).", type: "String", directives: [] },
    );
  }
  const guessed = wire.map(([role, name]) => `${name} (${role})`).join(", ");
  const answerParts = [
    `${items} (items)`,
    ...(total === undefined ? [] : [`${total} (total)`]),
    ...(style === "CURSOR" ? [`${next} (next)`] : []),
    ...(hasMore === undefined ? [] : [`${hasMore} (hasMore)`]),
  ];
  return {
    args: [...pageArgs, ...args],
    path: kept.length === 0 ? pathPart : `${pathPart}?${kept.join("&")}`,
    paginate: { fields },
    type,
    comment: `paging guessed: ${style} from the query parameters ${guessed} and the answer's ${answerParts.join(", ")}${dropped.length === 0 ? "" : `; left out ${dropped.map((p) => p.name).join(", ")} (${style} pages forward only)`}; check them (docs/pagination.md)`,
  };
}

/** The parameter's own schema, `$ref` followed. */
function resolved(param: { schema: unknown; schemaPointer: string }, classifier: SchemaClassifier): Record<string, unknown> | undefined {
  const { entry } = classifier.deref({ schema: param.schema, pointer: param.schemaPointer });
  return isRecord(entry.schema) ? entry.schema : undefined;
}

const made = new WeakMap<SchemaMapper, Map<string, string>>();

/** `<Node>Connection` and `<Node>Edge` (once per node type), and one shared `PageInfo`. */
function connectionType(mapper: SchemaMapper, node: string, withTotal: boolean): string {
  let types = made.get(mapper);
  if (types === undefined) made.set(mapper, (types = new Map()));
  const key = `${node}/${withTotal}`;
  const known = types.get(key);
  if (known !== undefined) return known;
  let pageInfo = types.get("PageInfo");
  if (pageInfo === undefined) {
    pageInfo = mapper.claimTypeName("PageInfo");
    types.set("PageInfo", pageInfo);
    mapper.addType({
      kind: "object",
      name: pageInfo,
      description: "Where a page sits in its listing (Relay).",
      comments: [],
      fields: [
        field("hasNextPage", "Boolean!"),
        field("hasPreviousPage", "Boolean!"),
        field("startCursor", "String"),
        field("endCursor", "String"),
      ],
    });
  }
  const base = withTotal ? node : `${node}Page`;
  const edge = types.get(`${node}/edge`) ?? mapper.claimTypeName(`${node}Edge`);
  if (!types.has(`${node}/edge`)) {
    types.set(`${node}/edge`, edge);
    mapper.addType({
      kind: "object",
      name: edge,
      comments: [],
      fields: [field("cursor", "String!"), field("node", render({ type: node, nullable: true }))],
    });
  }
  const connection = mapper.claimTypeName(`${base}Connection`);
  types.set(key, connection);
  const fields = [field("edges", `[${edge}!]!`), field("nodes", `[${node}]!`), field("pageInfo", `${pageInfo}!`)];
  if (withTotal) fields.push(field("totalCount", "Int"));
  mapper.addType({ kind: "object", name: connection, description: `A page of ${node} (Relay connection).`, comments: [], fields });
  return connection;
}

function field(name: string, type: string): SdlField {
  return { name, args: [], type, directives: [], comments: [] };
}

/**
 * A listing that pages through its request body (Prefect's `POST /flows/filter` takes `limit` and
 * `offset` in the JSON body): `paginate:` sets query parameters, so it stays a plain list, and
 * a comment says so.
 */
export function noteBodyPaging(media: MediaEntry, classifier: SchemaClassifier): string | undefined {
  const body = classifier.deref({ schema: media.schema, pointer: media.pointer }).shape;
  if (body.kind !== "object") return undefined;
  const keys = new Set(body.properties.map((p) => p.key));
  const limit = limitNames.find((name) => keys.has(name));
  const offset = [...offsetNames, ...pageNames].find((name) => keys.has(name));
  if (limit === undefined || offset === undefined) return undefined;
  return `pages with ${limit}/${offset} in the request body: paginate: sets query parameters, so this stays a plain list (page with the input's ${limit} and ${offset})`;
}
