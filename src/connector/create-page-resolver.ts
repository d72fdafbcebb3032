import type { GraphQLField, GraphQLFieldResolver } from "graphql";
import { buildCachePolicy } from "../cache/build-cache-policy.js";
import { UpstreamError } from "../errors.js";
import type { OperationContext } from "../loader/operation-context.js";
import type { PaginatePlan } from "../plan/paginate-plan.js";
import type { RestPlan } from "../plan/schema-plan.js";
import { readPath } from "../template/parse-template.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import { createRequestBuilder } from "./build-request.js";
import { failedAnswer, readJsonAnswer } from "./map-answer.js";
import { maxCursorLength, type CursorKeys } from "./page-cursor.js";
import { planPageStep, withParams, type FetchedPage, type PageWindow } from "./plan-page-step.js";
import { readLinkNext } from "./read-link-next.js";
import { readPageArgs } from "./read-page-args.js";

type Resolver = GraphQLFieldResolver<unknown, { trestle: OperationContext }, Record<string, unknown>>;

/**
 * The resolver of a `paginate:` field: the client's `first`/`after` (or `last`/`before`) are
 * checked and its cursor opened before anything is sent, then one upstream call through the
 * operation's pipeline (cache, coalescing, header rules, retries) fetches the page, whose items
 * become the connection's edges. Nodes are the upstream's items as they are, so their fields
 * resolve like any list item's (naming, @from, nested @rest and batches across the page).
 */
export function createPageResolver(
  rest: RestPlan & { paginate: PaginatePlan },
  field: GraphQLField<unknown, unknown>,
  keys: CursorKeys,
  notFoundIsNull: boolean,
): Resolver {
  const { paginate: plan, coordinate, errors, nonNull } = rest;
  const build = createRequestBuilder(rest.upstream, rest, field.args, coordinate);
  const cachePolicy = buildCachePolicy(rest.upstream, rest.headers, rest.cache, rest);
  return async (parent, args, context) => {
    const page = readPageArgs(args, plan, coordinate, keys);
    const step = planPageStep(plan, page);
    const operation = context.trestle;
    const request = build({ args, parent, env: operation.env, headers: operation.headers, context: operation.values });
    if (request === null) return null;
    if (step.fetch === undefined) return toConnection(step.read({ items: [], total: undefined, next: undefined }), undefined);
    request.path = step.fetch.target ?? withParams(request.path, step.fetch.params);
    request.cache = cachePolicy;
    const response = await operation.load(request);
    const answer = readJsonAnswer(response, request, errors);
    if (answer.notFound) {
      if (notFoundIsNull) return null;
      throw failedAnswer(response, request, errors, nonNull ? ` for non-null field ${coordinate}` : "");
    }
    const fetched = readFetchedPage(answer.data, response.headers["link"], request);
    return toConnection(step.read(fetched), fetched.total);
  };

  function readFetchedPage(data: unknown, link: string | undefined, request: UpstreamRequest): FetchedPage {
    const items = plan.items.length === 0 ? data : readPath(data, plan.items);
    if (!Array.isArray(items)) {
      const where = plan.items.length === 0 ? "the answer" : `"${plan.items.join(".")}"`;
      throw new UpstreamError(
        "UPSTREAM_BAD_RESPONSE",
        rest.upstream.name,
        `Upstream "${rest.upstream.name}" answered ${coordinate} without a list at ${where}.`,
        {
          debug: { request: `${request.method} ${request.path}` },
        },
      );
    }
    const total = plan.total === undefined ? undefined : toCount(readPath(data, plan.total));
    const next =
      plan.style === "LINK"
        ? readLinkNext(link, rest.upstream, request.path)
        : plan.next === undefined || (plan.hasMore !== undefined && readPath(data, plan.hasMore) === false)
          ? undefined
          : toToken(readPath(data, plan.next));
    return { items, total, next };
  }

  function toConnection(window: PageWindow, total: number | undefined) {
    const cursors = window.positions.map((position) => {
      const cursor = keys.seal(coordinate, position);
      if (cursor.length > maxCursorLength)
        throw new UpstreamError(
          "UPSTREAM_BAD_RESPONSE",
          rest.upstream.name,
          `Upstream "${rest.upstream.name}" gave ${coordinate} a next-page token or link too long to carry in a cursor.`,
        );
      return cursor;
    });
    return {
      edges: window.items.map((node, k) => ({ cursor: cursors[k], node })),
      nodes: window.items,
      pageInfo: {
        hasNextPage: window.hasNextPage,
        hasPreviousPage: window.hasPreviousPage,
        startCursor: cursors[0] ?? null,
        endCursor: cursors.at(-1) ?? null,
      },
      totalCount: total ?? null,
    };
  }
}

/** A count from a number or a numeric string; anything else is no count. */
function toCount(value: unknown): number | undefined {
  const count = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof count === "number" && Number.isInteger(count) && count >= 0 ? count : undefined;
}

/** A next-page token: a non-empty string or a number; null, "" and anything else end the listing. */
function toToken(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}
