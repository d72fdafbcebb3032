import type { Exchange } from "../http/exchange.js";

export type JsonBody = { kind: "json"; value: unknown } | { kind: "too-large" } | { kind: "invalid" };

/**
 * The request body read whole (capped at `max` bytes) and parsed as JSON; an empty body is
 * `undefined`. A body a host framework already parsed (express.json()) is used as it is.
 */
export async function readJsonBody(exchange: Exchange, max: number): Promise<JsonBody> {
  let text: string;
  if (exchange.bodySpent) {
    const parsed = exchange.parsedBody;
    if (typeof parsed !== "string" && !Buffer.isBuffer(parsed)) return { kind: "json", value: parsed };
    text = parsed.toString();
  } else {
    const bytes = await exchange.readBody(max);
    if (bytes === undefined) return { kind: "too-large" };
    text = bytes.toString("utf8");
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") return { kind: "json", value: undefined };
  try {
    return { kind: "json", value: JSON.parse(text) as unknown };
  } catch {
    return { kind: "invalid" };
  }
}
