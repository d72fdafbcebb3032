import { isoDate } from "./iso-date.js";
import type { PipelineRunRecord } from "./types.js";

/** How long a triggered run stays queued, then running (ms), unless its conf says `demo_step_ms`. */
export const defaultRunStepMs = 1500;

interface RunClock {
  triggeredAt: number;
  stepMs: number;
  fail: boolean;
}

/** The clocks of triggered runs; scheduled (seed) runs have none and never move. */
const clocks = new WeakMap<PipelineRunRecord, RunClock>();

/**
 * Starts a triggered run's clock: it is `queued` for one step, `running` for the next, then
 * `success`, or `failed` when its conf says `"fail": true`. A conf's `demo_step_ms` (50–10000)
 * sets the step, so tests need not wait seconds. Deterministic: only time since the trigger counts.
 */
export function startRunClock(run: PipelineRunRecord, now = Date.now()): void {
  const step = run.conf["demo_step_ms"];
  const stepMs = typeof step === "number" && Number.isInteger(step) && step >= 50 && step <= 10_000 ? step : defaultRunStepMs;
  clocks.set(run, { triggeredAt: now, stepMs, fail: run.conf["fail"] === true });
}

/** Moves a triggered run to the state its clock says (dates follow its logical date, a step apart). */
export function advanceRun(run: PipelineRunRecord, now = Date.now()): PipelineRunRecord {
  const clock = clocks.get(run);
  if (clock === undefined) return run;
  const steps = Math.floor((now - clock.triggeredAt) / clock.stepMs);
  const logical = Date.parse(run.logical_date);
  if (steps >= 1 && run.state === "queued") {
    run.state = "running";
    run.start_date = isoDate(logical + clock.stepMs);
  }
  if (steps >= 2 && run.state === "running") {
    run.state = clock.fail ? "failed" : "success";
    run.end_date = isoDate(logical + 2 * clock.stepMs);
    clocks.delete(run);
  }
  return run;
}
