/** An upstream request about to be sent, as `onUpstreamRequest` sees it. */
export interface OutgoingUpstreamRequest {
  /** The `@upstream` name. */
  readonly upstream: string;
  /** `GET`, `POST`, … */
  readonly method: string;
  /** The absolute URL: the upstream's origin and base path, the path and the query string. */
  readonly url: string;
  /**
   * The headers about to be sent. Set, append or delete to change them; values with CR, LF or
   * NUL are refused, and the HTTP layer's own headers (`host`, `content-length`, …) cannot be set.
   */
  readonly headers: Headers;
  /** The body text, exactly as it will be sent (sign this), or undefined when there is none. */
  readonly body: string | undefined;
}

/**
 * The transport for upstream calls when `fetch` is given: called with an absolute URL and a
 * `RequestInit` holding `method`, `headers`, `body`, `redirect: "manual"` and a `signal`.
 * The global `fetch` fits, and so does any wrapper with its signature.
 */
export type UpstreamFetch = (url: string, init: RequestInit) => Promise<Response>;
