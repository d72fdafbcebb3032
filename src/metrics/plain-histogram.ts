import { LabelTree } from "./label-tree.js";
import { labelsOf, type MetricData, type MetricSample } from "./plain-counter.js";

/** One series of a histogram: per-bucket counts (not cumulative; the last is +Inf), sum and count. */
export interface HistogramEntry {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram recorded into plain arrays: `observe(entry, value)` adds one value to the
 * series its caller found (`series.one(...)`). Read when scraped, in prom-client's
 * Histogram form: cumulative `_bucket` samples with `le`, then `_sum` and `_count`.
 */
export class PlainHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly series: LabelTree<HistogramEntry>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    this.series = new LabelTree((values) => ({
      labels: labelsOf(labelNames, values),
      buckets: new Float64Array(bounds.length + 1),
      sum: 0,
      count: 0,
    }));
  }

  observe(entry: HistogramEntry, value: number): void {
    if (!Number.isFinite(value)) return;
    const { bounds } = this;
    let at = 0;
    while (at < bounds.length && value > bounds[at]!) at++;
    entry.buckets[at]!++;
    entry.sum += value;
    entry.count++;
  }

  get(): Promise<MetricData> {
    const values: MetricSample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const entry of this.series.entries) {
      let total = 0;
      this.bounds.forEach((le, at) => {
        total += entry.buckets[at]!;
        values.push({ value: total, labels: { le, ...entry.labels }, metricName: bucket });
      });
      values.push({ value: entry.count, labels: { le: "+Inf", ...entry.labels }, metricName: bucket });
      values.push({ value: entry.sum, labels: { ...entry.labels }, metricName: `${this.name}_sum` });
      values.push({ value: entry.count, labels: { ...entry.labels }, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.series.clear();
  }
}
