import { classifyUpstreamError } from "../upstream/classify-upstream-error.js";
import { collectAnswer, type UpstreamResponse } from "../upstream/collect-answer.js";
import type { ClientSignal } from "../upstream/client-signal.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamPipeline } from "../pipeline/upstream-pipeline.js";

/**
 * Sends a request whose body is generated as it goes (a form with files) through the
 * pipeline's streaming send, then reads the answer whole, capped and decoded, for mapping.
 * The streaming send's rules hold: no connection is taken before the body flows (its first
 * 64 KiB, or its end), each silence in it is bounded by the upstream's `timeoutMs`, and it is
 * sent once, never retried (what was sent is gone). `signal` aborting (the client gone, the
 * request refused midway) aborts the upstream request: the upstream never sees it complete.
 */
export async function sendStreamed(
  pipeline: Pick<UpstreamPipeline, "stream">,
  request: UpstreamRequest,
  body: AsyncIterable<Uint8Array>,
  signal: ClientSignal | undefined,
): Promise<UpstreamResponse> {
  const where = `${request.method} ${request.path}`;
  try {
    const answer = await pipeline.stream(request, body, { signal, maxRequestBytes: Number.MAX_SAFE_INTEGER });
    try {
      return await collectAnswer(answer, request.upstream, request.method, where);
    } catch (error) {
      answer.body.destroy();
      throw classifyUpstreamError(error, request.upstream, { where, timedOut: false, clientGone: signal?.aborted === true });
    }
  } finally {
    // The call is over (answered, perhaps before the body's end, or failed): a body the
    // transport let go of mid-way is closed, so the rest of its files is thrown away.
    void (body as Partial<AsyncGenerator<Uint8Array>>).return?.(undefined)?.catch(() => undefined);
  }
}
