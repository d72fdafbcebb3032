/** `paginate:` on `@rest`, validated: how one upstream listing pages, and the Relay connection it fills. */

export type PageStyle = "OFFSET" | "PAGE" | "CURSOR" | "LINK";

export interface PaginatePlan {
  style: PageStyle;
  /** Dot path of the items in the answer; `[]`: the body is the list. */
  items: readonly string[];
  /** Dot path of the total item count in the answer. */
  total: readonly string[] | undefined;
  /** Dot path of the upstream's next-page token (CURSOR). */
  next: readonly string[] | undefined;
  /** Dot path of a boolean: false means no page follows, whatever `next` holds (CURSOR). */
  hasMore: readonly string[] | undefined;
  /** Query parameter names Trestle adds to the built URL (already percent-encoded). */
  params: { limit?: string; offset?: string; page?: string; size?: string; cursor?: string };
  /** Number of the first page (PAGE). */
  firstPage: number;
  /** Largest `first` (or `last`) a client may ask for. */
  maxFirst: number;
  /** `first` when the client gives neither `first` nor `last`: the field's default, else 20 (at most maxFirst). */
  defaultFirst: number;
  /**
   * Whether `first` has a default in the SDL: GraphQL then always passes it, so with `last` it
   * counts as not given (a client cannot leave it out).
   */
  firstHasDefault: boolean;
}
