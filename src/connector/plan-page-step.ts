import type { PaginatePlan } from "../plan/paginate-plan.js";
import type { PagePosition } from "./page-cursor.js";
import type { PageArgs } from "./read-page-args.js";

/** One upstream page as fetched: its items, the total when the answer gives one, and what comes next. */
export interface FetchedPage {
  items: readonly unknown[];
  total: number | undefined;
  /** CURSOR: the answer's next token; LINK: the next link's origin-relative target (same origin only). */
  next: string | undefined;
}

/** What a connection shows of a fetched page. */
export interface PageWindow {
  items: readonly unknown[];
  positions: PagePosition[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/**
 * One client request's upstream call and how its answer becomes a window. `fetch` is absent when
 * the answer is known to be empty (before the first item, after the last page): no call is made.
 * `params` are query parameters added to the field's URL; `target` (LINK) replaces the URL.
 */
export interface PageStep {
  fetch?: { params: Array<[string, string]>; target?: string };
  read(page: FetchedPage): PageWindow;
}

type PageAt = Extract<PagePosition, { kind: "page" }>;

/** Plans the step for each style (see docs/pagination.md for what each one can and cannot do). */
export function planPageStep(plan: PaginatePlan, args: PageArgs): PageStep {
  switch (plan.style) {
    case "OFFSET":
      return offsetStep(plan, args);
    case "PAGE":
      return pageStep(plan, args);
    default:
      return tokenStep(plan, args);
  }
}

/** Absolute indexes: `limit`/`offset` reach any window in one call. Without `total`, one item more is asked for, to know whether more follow. */
function offsetStep(plan: PaginatePlan, args: PageArgs): PageStep {
  const { limit, offset } = plan.params as { limit: string; offset: string };
  const at = (start: number, items: readonly unknown[]) => items.map((_, k): PagePosition => ({ kind: "index", index: start + k }));
  if (args.backward) {
    const end = (args.before as { index: number }).index;
    const start = Math.max(0, end - args.count);
    return {
      ...(end > start && {
        fetch: {
          params: [
            [limit, String(end - start)],
            [offset, String(start)],
          ],
        },
      }),
      read: ({ items }) => {
        const shown = items.slice(0, end - start);
        return { items: shown, positions: at(start, shown), hasNextPage: true, hasPreviousPage: start > 0 };
      },
    };
  }
  const start = args.after === undefined ? 0 : (args.after as { index: number }).index + 1;
  const extra = plan.total === undefined ? 1 : 0;
  return {
    fetch: {
      params: [
        [limit, String(args.count + extra)],
        [offset, String(start)],
      ],
    },
    read: ({ items, total }) => {
      const shown = items.slice(0, args.count);
      const more =
        total !== undefined ? start + shown.length < total : items.length > shown.length || (extra === 0 && shown.length === args.count);
      return { items: shown, positions: at(start, shown), hasNextPage: more, hasPreviousPage: start > 0 };
    },
  };
}

/**
 * Page numbers: a walk keeps the page size of its first request (cursors carry it), so that each
 * client page is one upstream page; `after` an edge inside a page shows the rest of that page.
 */
function pageStep(plan: PaginatePlan, args: PageArgs): PageStep {
  const { page: pageParam, size: sizeParam } = plan.params as { page: string; size: string };
  const from = args.backward ? (args.before as PageAt) : (args.after as PageAt | undefined);
  const size = from?.size ?? args.count;
  let page = plan.firstPage;
  let start = 0;
  let end: number | undefined;
  if (args.backward) {
    page = from!.at as number;
    if (from!.index === 0) {
      if (page <= plan.firstPage) return { read: () => ({ items: [], positions: [], hasNextPage: true, hasPreviousPage: false }) };
      page -= 1;
    } else end = from!.index;
  } else if (from !== undefined) {
    page = (from.at as number) + (from.last ? 1 : 0);
    start = from.last ? 0 : from.index + 1;
  }
  return {
    fetch: {
      params: [
        [pageParam, String(page)],
        [sizeParam, String(size)],
      ],
    },
    read: ({ items, total }) => {
      const stop = Math.min(end ?? items.length, items.length);
      const first = args.backward ? Math.max(0, stop - args.count) : start;
      const shown = items.slice(first, args.backward ? stop : first + args.count);
      const positions = shown.map((_, k): PagePosition => ({
        kind: "page",
        at: page,
        size,
        index: first + k,
        last: first + k === items.length - 1,
      }));
      const seen = (page - plan.firstPage) * size + first + shown.length;
      const rest = first + shown.length < items.length;
      const hasNextPage = args.backward || rest || (total !== undefined ? seen < total : items.length >= size);
      return { items: shown, positions, hasNextPage, hasPreviousPage: page > plan.firstPage || first > 0 };
    },
  };
}

/**
 * Upstream tokens (CURSOR) or next links (LINK): forward only. An edge's cursor holds how its page
 * was fetched and its index; the page's last edge also holds the next token or link.
 */
function tokenStep(plan: PaginatePlan, args: PageArgs): PageStep {
  const link = plan.style === "LINK";
  const after = args.backward ? undefined : (args.after as PageAt | undefined);
  if (after?.last === true && (after.next === undefined || after.next === null))
    return { read: () => ({ items: [], positions: [], hasNextPage: false, hasPreviousPage: true }) };
  const fresh = after === undefined || after.last;
  const at = after === undefined ? null : after.last ? after.next! : (after.at as string | null);
  const size = fresh ? args.count : after.size;
  const start = fresh ? 0 : after.index + 1;
  const params: Array<[string, string]> = [];
  if (plan.params.limit !== undefined && size !== undefined) params.push([plan.params.limit, String(size)]);
  if (!link && at !== null) params.push([plan.params.cursor!, at]);
  // LINK: the page's own target (with the walk's limit set) is what a later `after` re-fetches.
  const target = link && at !== null ? (fresh ? withParams(at, params) : at) : undefined;
  const fetch = target === undefined ? { params } : { params, target };
  const fetched = target ?? at;
  return {
    fetch,
    read: ({ items, next }) => {
      const shown = items.slice(start, start + args.count);
      const positions = shown.map((_, k): PagePosition => {
        const last = start + k === items.length - 1;
        return { kind: "page", at: fetched, size, index: start + k, last, ...(last && { next: next ?? null }) };
      });
      const rest = start + shown.length < items.length;
      return { items: shown, positions, hasNextPage: rest || next !== undefined, hasPreviousPage: after !== undefined };
    },
  };
}

/** The target with each parameter set to its value (an existing one of that name replaced). */
export function withParams(target: string, params: ReadonlyArray<[string, string]>): string {
  if (params.length === 0) return target;
  const [path, query = ""] = target.split(/\?(.*)/s, 2) as [string, string?];
  const names = new Set(params.map(([name]) => name));
  const kept = query.split("&").filter((pair) => pair !== "" && !names.has(pair.split("=", 1)[0]!));
  return `${path}?${[...kept, ...params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`)].join("&")}`;
}
