import type { MetricsRecorder } from "../metrics/create-metrics.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";

/**
 * Reports one upstream call to the metrics once it settles: its status, or its error code
 * (`ERROR` without one), and its duration. The call's own promise, chained once (no async
 * frame of its own): what the caller awaits settles as `call` does.
 */
export function observeCall<T extends { status: number }>(
  metrics: MetricsRecorder,
  request: UpstreamRequest,
  call: Promise<T>,
): Promise<T> {
  const started = performance.now();
  const report = (outcome: string) =>
    metrics.upstreamCall(request.upstream.name, request.method, outcome, (performance.now() - started) / 1000);
  return call.then(
    (answer) => {
      report(String(answer.status));
      return answer;
    },
    (error: unknown) => {
      report((error as { code?: string } | null)?.code ?? "ERROR");
      throw error;
    },
  );
}
