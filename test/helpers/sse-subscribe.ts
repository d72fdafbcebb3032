/** One GraphQL result as a subscription payload carries it. */
export interface SubscriptionResult {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface SseSubscription {
  status: number;
  headers: Headers;
  /** The next result, or undefined once the server sent `complete` (or closed). */
  next(): Promise<SubscriptionResult | undefined>;
  /** Every result up to `complete`. */
  rest(): Promise<SubscriptionResult[]>;
  /** Leaves: aborts the request (the server sees the connection close). */
  close(): void;
  /** The body's text when the answer was not a stream (a refusal). */
  text(): Promise<string>;
}

/**
 * A small GraphQL-over-SSE client (graphql-sse's distinct-connections mode, which graphql-yoga
 * speaks): POSTs the operation with `Accept: text/event-stream` and reads `event: next` /
 * `event: complete` messages as they arrive. Written independently of Trestle's own SSE parser.
 */
export async function subscribeOverSse(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<SseSubscription> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let completed = false;
  const nextMessage = async (): Promise<{ event: string; data: string } | undefined> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          if (line.startsWith("event:")) event = line.slice(6).trim();
          if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length === 0 && event === "message") continue; // a ping
        return { event, data: data.join("\n") };
      }
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += decoder.decode(value, { stream: true });
    }
  };
  const next = async (): Promise<SubscriptionResult | undefined> => {
    if (completed) return undefined;
    const message = await nextMessage();
    if (message === undefined || message.event === "complete") {
      completed = true;
      return undefined;
    }
    return JSON.parse(message.data) as SubscriptionResult;
  };
  return {
    status: response.status,
    headers: response.headers,
    next,
    rest: async () => {
      const results: SubscriptionResult[] = [];
      for (let result = await next(); result !== undefined; result = await next()) results.push(result);
      return results;
    },
    close: () => controller.abort(),
    text: async () => {
      let text = buffer;
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
      return text;
    },
  };
}
