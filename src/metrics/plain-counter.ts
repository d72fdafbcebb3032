import { LabelTree } from "./label-tree.js";

/** One series of a counter: its labels (made once) and its value. */
export interface CounterEntry {
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

/** A metric sample as prom-client's registries read it (`get()`), for the text exposition and worker aggregation. */
export interface MetricSample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** What prom-client's Registry reads of a metric: the shape its own metrics' `get()` returns. */
export interface MetricData {
  name: string;
  help: string;
  type: "counter" | "histogram";
  values: MetricSample[];
  aggregator: "sum";
}

/**
 * A counter recorded into plain numbers: `series(...)` finds its entry by label values (no
 * labels object, no hashing), the caller adds to `value`. Registered in a prom-client
 * Registry as a metric (`name`, `get()`), it is read only when scraped, in the same form as
 * prom-client's Counter: the same text, the same aggregation across workers.
 */
export class PlainCounter {
  readonly type = "counter";
  readonly aggregator = "sum";
  readonly series: LabelTree<CounterEntry>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[],
  ) {
    this.series = new LabelTree((values) => ({ labels: labelsOf(labelNames, values), value: 0 }));
  }

  get(): Promise<MetricData> {
    const values = this.series.entries.map((entry) => ({ value: entry.value, labels: { ...entry.labels } }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.series.clear();
  }
}

export function labelsOf(names: readonly string[], values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  names.forEach((name, at) => (labels[name] = values[at]!));
  return labels;
}
