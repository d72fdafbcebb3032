import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isScalarType,
  type DirectiveNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from "graphql";
import type { PageStyle, PaginatePlan } from "../plan/paginate-plan.js";
import type { UrlPlan } from "../plan/schema-plan.js";
import { parseDotPath, type DiagnosticList } from "./diagnostics.js";
import { argumentNode } from "./read-upstreams.js";

interface PaginateValues {
  style: PageStyle;
  items?: string | null;
  total?: string | null;
  limit?: string | null;
  offset?: string | null;
  page?: string | null;
  size?: string | null;
  firstPage?: number | null;
  cursor?: string | null;
  next?: string | null;
  hasMore?: string | null;
  maxFirst?: number | null;
}

type ParamName = keyof PaginatePlan["params"];

/** The query parameters each style needs, and those it may take. */
const styleParams: Record<PageStyle, { needs: ParamName[]; may: ParamName[] }> = {
  OFFSET: { needs: ["limit", "offset"], may: [] },
  PAGE: { needs: ["page", "size"], may: [] },
  CURSOR: { needs: ["cursor"], may: ["limit"] },
  LINK: { needs: [], may: ["limit"] },
};

/** `first` when the client leaves it out and the field declares no default (bounded by maxFirst). */
const fallbackFirst = 20;

/**
 * Reads `paginate:` of one `@rest` field and checks the field around it: a Relay connection
 * type, `first`/`after` arguments (`last`/`before` only where the style can page backward), the
 * query parameters the style needs. Every problem is reported at its place; undefined when any.
 */
export function readPaginate(
  raw: unknown,
  node: DirectiveNode,
  field: GraphQLField<unknown, unknown>,
  coordinate: string,
  context: { batch: boolean; select: boolean; url: UrlPlan | undefined; diagnostics: DiagnosticList },
): PaginatePlan | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value = raw as PaginateValues;
  const at = argumentNode(node, "paginate") ?? node;
  const where = `paginate on ${coordinate}`;
  const { diagnostics } = context;
  const before = diagnostics.items.length;
  const error = (message: string) => diagnostics.error(at, `${where}: ${message}`);
  if (context.select) error("cannot be combined with select: items, total and next are dot paths into the whole answer");
  if (context.batch) error("cannot be combined with batch (a page is one call, a batch serves many fields)");
  const items = value.items === "" ? [] : typeof value.items === "string" ? parseDotPath(value.items) : undefined;
  if (typeof value.items !== "string") error('needs items: the dot path of the list in the answer ("" when the body is the list)');
  else if (items === undefined) error(`items "${value.items}" is not a dot path like "data.items" ("" when the body is the list)`);
  const total = readOptionalPath(value.total, "total", error);
  const next = readOptionalPath(value.next, "next", error);
  const hasMore = readOptionalPath(value.hasMore, "hasMore", error);
  if (value.style !== "CURSOR" && hasMore !== undefined) error(`hasMore is only read with style CURSOR, not ${value.style}`);
  if (value.style === "CURSOR" && next === undefined)
    error('style CURSOR needs next: the dot path of the next page\'s token in the answer (e.g. "next_page_token")');
  if (value.style !== "CURSOR" && next !== undefined) error(`next is only read with style CURSOR, not ${value.style}`);
  const params = readParams(value, context.url, error);
  const maxFirst = value.maxFirst ?? 100;
  if (!Number.isInteger(maxFirst) || maxFirst < 1) error(`maxFirst must be 1 or more, received ${maxFirst}`);
  const firstPage = value.firstPage ?? 1;
  if (!Number.isInteger(firstPage) || firstPage < 0) error(`firstPage must be 0 or more, received ${firstPage}`);
  const defaultFirst = checkArguments(field, value.style, maxFirst, error);
  const firstHasDefault = typeof field.args.find((a) => a.name === "first")?.defaultValue === "number";
  const problem = connectionProblem(field.type, total !== undefined);
  if (problem !== undefined) error(`${String(field.type)} is not a Relay connection: ${problem}`);
  if (diagnostics.items.length > before || items === undefined) return undefined;
  return { style: value.style, items, total, next, hasMore, params, firstPage, maxFirst, defaultFirst, firstHasDefault };
}

function readOptionalPath(raw: string | null | undefined, name: string, error: (message: string) => void): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const path = parseDotPath(raw);
  if (path === undefined) error(`${name} "${raw}" is not a dot path like "meta.total"`);
  return path;
}

function readParams(value: PaginateValues, url: UrlPlan | undefined, error: (message: string) => void): PaginatePlan["params"] {
  const { needs, may } = styleParams[value.style];
  const params: PaginatePlan["params"] = {};
  const taken = new Set(url?.query.map((param) => param.name) ?? []);
  for (const name of ["limit", "offset", "page", "size", "cursor"] as const) {
    const given = value[name];
    if (given === undefined || given === null) {
      if (needs.includes(name)) error(`style ${value.style} needs ${name}: the name of the query parameter that carries it`);
      continue;
    }
    if (!needs.includes(name) && !may.includes(name)) {
      error(`style ${value.style} does not use ${name} (it takes ${[...needs, ...may].join(", ") || "no parameter but limit"})`);
      continue;
    }
    if (!/^[A-Za-z0-9_.~\-[\]]+$/.test(given)) {
      error(`${name} "${given}" is not a query parameter name (letters, digits, _ . ~ - [ ])`);
      continue;
    }
    const encoded = given.replace(/\[/g, "%5B").replace(/\]/g, "%5D");
    if (taken.has(encoded)) error(`${name} "${given}" is already a query parameter of the path; Trestle sets it for each page`);
    params[name] = encoded;
  }
  return params;
}

/** Checks first/after/last/before; returns the `first` a client gets when it gives none. */
function checkArguments(
  field: GraphQLField<unknown, unknown>,
  style: PageStyle,
  maxFirst: number,
  error: (message: string) => void,
): number {
  const arg = (name: string) => field.args.find((a) => a.name === name);
  const backward = style === "OFFSET" || style === "PAGE";
  for (const [name, type] of [
    ["first", "Int"],
    ["after", "String"],
    ["last", "Int"],
    ["before", "String"],
  ] as const) {
    const found = arg(name);
    const optional = name === "last" || name === "before";
    if (found === undefined) {
      if (!optional) error(`the field needs the argument ${name}: ${type}`);
      continue;
    }
    if (optional && !backward) error(`style ${style} pages forward only: remove the argument ${name} (last/before need OFFSET or PAGE)`);
    const named = getNamedType(found.type).name;
    if (named !== type && !(type === "String" && named === "ID")) error(`argument ${name} must be ${type}, not ${String(found.type)}`);
  }
  if (backward && (arg("last") === undefined) !== (arg("before") === undefined))
    error("declare last and before together (backward paging needs both)");
  const declared = arg("first")?.defaultValue;
  if (typeof declared === "number" && (declared < 1 || declared > maxFirst))
    error(`the default of first (${declared}) must be from 1 to maxFirst (${maxFirst})`);
  return typeof declared === "number" ? declared : Math.min(fallbackFirst, maxFirst);
}

/** Why a type is not a Relay connection (edges { cursor node }, pageInfo, nodes?, totalCount?), or undefined. */
export function connectionProblem(type: GraphQLOutputType, hasTotal: boolean): string | undefined {
  const connection = getNullableType(type);
  if (!isObjectType(connection)) return "a connection is an object type with edges and pageInfo";
  const fields = connection.getFields();
  const edges = fields["edges"];
  const edgeType = edges && getNullableType(edges.type);
  if (edgeType === undefined || !isListType(edgeType)) return "it needs edges: a list of edges { cursor node }";
  const edge = getNamedType(edgeType);
  if (!isObjectType(edge)) return "its edges must be objects with cursor and node";
  const edgeFields = edge.getFields();
  if (edgeFields["cursor"] === undefined || !isScalarType(getNamedType(edgeFields["cursor"].type)))
    return `${edge.name} needs cursor: String`;
  if (edgeFields["node"] === undefined || isListType(getNullableType(edgeFields["node"].type))) return `${edge.name} needs node (one item)`;
  const pageInfo = fields["pageInfo"] && getNamedType(fields["pageInfo"].type);
  const missing = isObjectType(pageInfo) ? pageInfoProblem(pageInfo) : "it needs pageInfo: PageInfo";
  if (missing !== undefined) return missing;
  const nodes = fields["nodes"];
  if (nodes !== undefined && !isListType(getNullableType(nodes.type))) return "its nodes field must be a list";
  const totalCount = fields["totalCount"];
  if (totalCount !== undefined && getNamedType(totalCount.type).name !== "Int") return "its totalCount must be Int";
  if (totalCount !== undefined && !hasTotal)
    return "it declares totalCount, so paginate needs total (the dot path of the count in the answer)";
  return undefined;
}

function pageInfoProblem(pageInfo: GraphQLObjectType): string | undefined {
  const fields = pageInfo.getFields();
  const wanted = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"];
  const missing = wanted.filter((name) => fields[name] === undefined);
  return missing.length === 0 ? undefined : `${pageInfo.name} needs ${missing.join(", ")}`;
}
