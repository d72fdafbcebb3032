/**
 * The close codes Trestle's WebSocket side uses itself (RFC 6455 §7.4.1 and graphql-ws's
 * `CloseCode`); graphql-ws closes with its own for protocol faults (4400 invalid message,
 * 4401 subscribe before `connection_ack`, 4408 no `connection_init` in time, 4409 duplicate
 * operation id, 4429 a second `connection_init`), and ws with 1009 for a message over `maxPayload`.
 */
export const wsCloseCodes = {
  /** The server is shutting down (`trestle.close()`). */
  goingAway: 1001,
  /** `connectionParams` carried a header that cannot be sent (graphql-ws's BadRequest). */
  badRequest: 4400,
  /** Something failed inside Trestle; details are never sent. */
  internalError: 4500,
} as const;

/** RFC 6455 §5.5: a close frame's reason is at most 123 bytes of UTF-8. */
export function closeReason(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= 123) return text;
  return `${bytes
    .subarray(0, 120)
    .toString("utf8")
    .replace(/\uFFFD$/, "")}...`;
}
