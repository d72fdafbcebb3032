import { BadUserInputError } from "../errors.js";
import type { PaginatePlan } from "../plan/paginate-plan.js";
import type { CursorKeys, PagePosition } from "./page-cursor.js";

/** A client's page request, checked: how many edges, and from which cursor in which direction. */
export type PageArgs =
  { backward: false; count: number; after: PagePosition | undefined } | { backward: true; count: number; before: PagePosition };

/**
 * Reads `first`/`after`/`last`/`before` against the field's paging: `first` (or `last`) from 1
 * to `maxFirst`, `first` defaulting to the plan's; `last` only with `before`, and not with
 * `first`; every cursor opened (refused when not this field's). All of it before any upstream call.
 */
export function readPageArgs(args: Readonly<Record<string, unknown>>, plan: PaginatePlan, coordinate: string, keys: CursorKeys): PageArgs {
  const last = args["last"] as number | null | undefined;
  // A declared default of first is always there: with last, it counts as left out.
  const defaulted = plan.firstHasDefault && args["first"] === plan.defaultFirst && last !== undefined && last !== null;
  const first = defaulted ? undefined : (args["first"] as number | null | undefined);
  const after = args["after"] as string | null | undefined;
  const before = args["before"] as string | null | undefined;
  const given = (value: unknown) => value !== undefined && value !== null;
  const refuse = (message: string) => new BadUserInputError(`${coordinate}: ${message}`);
  if (given(first) && given(last)) throw refuse("give first or last, not both");
  if (given(after) && given(before)) throw refuse("give after or before, not both");
  if (given(last) !== given(before)) throw refuse("last and before go together: backward paging starts from a cursor");
  if (given(before) && given(first)) throw refuse("first pages forward from after; with before, give last");
  const count = checkCount(given(last) ? "last" : "first", given(last) ? last! : (first ?? plan.defaultFirst), plan.maxFirst, refuse);
  if (given(before)) return { backward: true, count, before: open(before!) };
  return { backward: false, count, after: given(after) ? open(after!) : undefined };

  function open(cursor: string): PagePosition {
    const position = keys.open(coordinate, cursor);
    if ((position.kind === "index") !== (plan.style === "OFFSET"))
      throw refuse("the cursor was issued before the field's paging changed; start again without it");
    return position;
  }
}

function checkCount(name: string, value: number, maxFirst: number, refuse: (message: string) => Error): number {
  if (value < 1 || value > maxFirst) throw refuse(`${name} must be from 1 to ${maxFirst}, received ${value}`);
  return value;
}
