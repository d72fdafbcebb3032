import type { WaterfallCall } from "./format-waterfall.js";

/**
 * GraphiQL's "Upstream calls" panel, in the browser (debug mode only). Yoga's GraphiQL takes no
 * plugins (its options reach the page as JSON), so this runs before GraphiQL in the page's
 * own inline script: it wraps `fetch` to watch what the page posts to `endpoint`, and draws the
 * `extensions.trestle.upstreamCalls` of the last operation's result as a waterfall, one row per
 * call: upstream, method, route, status, cache status, batch size, start, duration and a bar on
 * the operation's time axis. Introspection is not an operation of the user's and is left out.
 *
 * Serialized into the page with `String(installWaterfallPanel)`: it uses nothing but its
 * arguments and the browser's globals. Every value is written as text (`textContent`), never
 * as HTML: a path echoes the caller's arguments.
 */
export function installWaterfallPanel(endpoint: string, style: string, format: (calls: readonly WaterfallCall[]) => string): void {
  const target = new URL(endpoint, location.href).pathname;
  const make = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] => {
    const element = document.createElement(tag);
    element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  };

  const root = make("div", "trestle-waterfall");
  const toggle = make("button", "trestle-waterfall-toggle", "Upstream calls");
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  const panel = make("section", "trestle-waterfall-panel");
  panel.id = "trestle-waterfall-panel";
  panel.setAttribute("aria-label", "Upstream calls of the last operation");
  panel.hidden = true;
  toggle.setAttribute("aria-controls", panel.id);
  const header = make("header", "trestle-waterfall-header");
  const summary = make("span", "trestle-waterfall-summary", "Run an operation: its upstream calls appear here.");
  const legend = make("span", "trestle-waterfall-legend");
  for (const [kind, label] of [
    ["upstream", "upstream"],
    ["cache", "cache"],
    ["error", "error"],
  ]) {
    legend.append(make("i", `trestle-waterfall-swatch trestle-waterfall-bar-${kind}`), make("span", "", label));
  }
  const asText = make("button", "trestle-waterfall-astext", "Text");
  asText.type = "button";
  asText.setAttribute("aria-pressed", "false");
  header.append(make("strong", "", "Upstream calls"), summary, legend, asText);
  const table = make("table", "trestle-waterfall-table");
  const head = make("tr", "");
  const axis = make("th", "trestle-waterfall-axis", "");
  for (const title of ["upstream", "method", "route", "status", "cache", "batch", "start ms", "ms"]) head.append(make("th", "", title));
  head.append(axis);
  const thead = make("thead", "");
  thead.append(head);
  const rows = make("tbody", "");
  table.append(thead, rows);
  const text = make("pre", "trestle-waterfall-text");
  text.hidden = true;
  panel.append(header, table, text);
  root.append(panel, toggle);

  const open = (shown: boolean) => {
    panel.hidden = !shown;
    toggle.setAttribute("aria-expanded", String(shown));
    try {
      localStorage.setItem("trestle:waterfall", shown ? "open" : "closed");
    } catch {
      // Storage refused (private mode, quota): the panel still opens.
    }
  };
  toggle.addEventListener("click", () => open(panel.hidden));
  asText.addEventListener("click", () => {
    text.hidden = !text.hidden;
    table.hidden = !text.hidden;
    asText.setAttribute("aria-pressed", String(!text.hidden));
  });

  /** One operation's calls, or a sentence saying why there are none to draw. */
  const draw = (operation: string | null, calls: readonly WaterfallCall[] | string) => {
    rows.replaceChildren();
    text.textContent = "";
    root.dataset["state"] = typeof calls === "string" ? "none" : "drawn";
    if (typeof calls === "string") {
      toggle.textContent = "Upstream calls";
      summary.textContent = calls;
      axis.textContent = "";
      return;
    }
    const end = calls.reduce((last, call) => Math.max(last, call.start + call.ms), 0);
    toggle.textContent = `Upstream calls · ${calls.length}`;
    summary.textContent = `${operation ?? "anonymous operation"}: ${calls.length} ${calls.length === 1 ? "call" : "calls"} in ${end.toFixed(1)} ms`;
    axis.textContent = `0 – ${end.toFixed(1)} ms`;
    text.textContent = format(calls);
    for (const call of calls) {
      const row = make("tr", "trestle-waterfall-row");
      row.title = `${call.method} ${call.path}`;
      const cache = call.cache?.status ?? "";
      const failed = typeof call.status !== "number" || call.status >= 400;
      const cells: Array<[string, string]> = [
        ["upstream", call.upstream],
        ["method", call.method],
        ["route", call.route ?? call.path],
        ["status", String(call.status)],
        ["cache", cache || "-"],
        ["batch", call.batch === undefined ? "-" : String(call.batch)],
        ["start", call.start.toFixed(1)],
        ["ms", call.ms.toFixed(1)],
      ];
      for (const [name, value] of cells) row.append(make("td", `trestle-waterfall-${name}`, value));
      const track = make("div", "trestle-waterfall-track");
      const kind = failed ? "error" : cache === "hit" || cache === "stale" ? "cache" : "upstream";
      const bar = make("div", `trestle-waterfall-bar trestle-waterfall-bar-${kind}`);
      // CSSOM, not a style attribute: allowed under the page's Content-Security-Policy either way.
      bar.style.left = `${end > 0 ? (call.start / end) * 100 : 0}%`;
      bar.style.width = `${end > 0 ? (call.ms / end) * 100 : 100}%`;
      bar.title = `${call.start.toFixed(1)} ms → ${(call.start + call.ms).toFixed(1)} ms`;
      track.append(bar);
      const barCell = make("td", "trestle-waterfall-timeline");
      barCell.append(track);
      row.append(barCell);
      rows.append(row);
    }
  };

  /** The operation a request body (or GET query string) names; `undefined` for introspection, which is left out. */
  const operationOf = (url: URL, body: string | null): { name: string | null } | undefined => {
    let query = url.searchParams.get("query") ?? "";
    let name = url.searchParams.get("operationName");
    if (body !== null) {
      try {
        const params = JSON.parse(body) as { query?: unknown; operationName?: unknown };
        if (typeof params.query === "string") query = params.query;
        if (typeof params.operationName === "string") name = params.operationName;
      } catch {
        // Not JSON (a multipart upload): an operation all the same.
      }
    }
    if (name === "IntrospectionQuery" || /^\s*query\s+IntrospectionQuery\b/.test(query)) return undefined;
    return { name: name || (/^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1] ?? null) };
  };

  /** One item of the record, its fields as the panel draws them whatever the JSON held. */
  const readCall = (item: unknown): WaterfallCall => {
    const field = (name: string): unknown =>
      typeof item === "object" && item !== null ? (item as Record<string, unknown>)[name] : undefined;
    const text = (name: string) => String(field(name) ?? "");
    const number = (name: string) => (Number.isFinite(Number(field(name))) ? Number(field(name)) : 0);
    const call: WaterfallCall = {
      upstream: text("upstream"),
      method: text("method"),
      path: text("path"),
      status: 0,
      start: number("start"),
      ms: number("ms"),
    };
    const status = field("status");
    call.status = typeof status === "number" ? status : String(status);
    if (field("route") !== undefined) call.route = text("route");
    if (field("batch") !== undefined) call.batch = number("batch");
    const cache = field("cache");
    if (typeof cache === "object" && cache !== null && "status" in cache) call.cache = { status: String(cache.status) };
    return call;
  };

  let latest = 0;
  /** Draws the answer to one request GraphiQL made: `copy` is its JSON answer copied, null for another kind, undefined when it failed. */
  const watch = async (copy: Promise<Response | null | undefined>, url: URL, body: Promise<string | null>) => {
    const operation = operationOf(url, await body);
    if (operation === undefined) return;
    const id = ++latest;
    draw(operation.name, "Running…");
    let calls: readonly WaterfallCall[] | string;
    try {
      const response = await copy;
      if (response === undefined) {
        calls = "The request failed: no result, no call record.";
      } else if (response === null) {
        calls = "This result was streamed (subscription, @defer, @stream): streamed results carry no call record.";
      } else {
        const result = (await response.json()) as { extensions?: { trestle?: { upstreamCalls?: unknown; resultCache?: unknown } } };
        const record = result?.extensions?.trestle?.upstreamCalls;
        calls =
          result?.extensions?.trestle?.resultCache === "hit"
            ? "Answered whole from the result cache: no upstream call, nothing executed."
            : Array.isArray(record)
              ? record.map(readCall)
              : "This result carries no call record (a request error).";
      }
    } catch {
      calls = "The result could not be read: no call record.";
    }
    if (id === latest) draw(operation.name, calls);
  };

  const send = window.fetch.bind(window);
  window.fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    let body: Promise<string | null> | undefined;
    let url: URL | undefined;
    try {
      url = new URL(input instanceof Request ? input.url : String(input), location.href);
      if (url.pathname === target) {
        if (typeof init?.body === "string") body = Promise.resolve(init.body);
        else if (input instanceof Request && init?.body == null) body = input.clone().text();
        else body = Promise.resolve(null);
      }
    } catch {
      // Not a URL this panel can read: not GraphiQL's request.
    }
    const answer = send(input, init);
    if (body !== undefined && url !== undefined) {
      // A JSON answer is copied as it arrives, before GraphiQL (whose handlers come after this
      // one) reads it. A stream is not: an unread copy would hold every event it ever sends.
      const copy = answer.then(
        (response) => (/json/i.test(response.headers.get("content-type") ?? "") ? response.clone() : null),
        () => undefined,
      );
      void watch(copy, url, body).catch(() => undefined);
    }
    return answer;
  };

  const mount = () => {
    const sheet = document.createElement("style");
    sheet.textContent = style;
    document.head.append(sheet);
    document.body.append(root);
    let stored: string | null = null;
    try {
      stored = localStorage.getItem("trestle:waterfall");
    } catch {
      // No storage: closed.
    }
    open(stored === "open");
  };
  if (document.body === null) document.addEventListener("DOMContentLoaded", mount);
  else mount();
}
