import type { Metric, Registry } from 'prom-client';

export interface UntypedCounterConfig<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly T[];
  readonly registers: readonly Registry[];
}

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

/**
 * A counter exposed as `# TYPE <name> untyped`, for a name another system fixed without
 * the `_total` suffix (PaiRec's `pairec_recall_count`): `promtool check metrics` refuses
 * such a name on a counter, while PromQL reads both alike (rate() and increase() work),
 * so a dashboard written for that system keeps working. Registered in a prom-client
 * Registry like BoundHistogram, so exposition and cluster aggregation (summed) stay
 * prom-client's.
 */
export class UntypedCounter<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'untyped';
  readonly aggregator = 'sum';
  readonly #labelNames: readonly T[];
  #series = new Map<string, Series>();

  constructor(conf: UntypedCounterConfig<T>) {
    this.name = conf.name;
    this.help = conf.help;
    this.#labelNames = conf.labelNames;
    // Registry.registerMetric types its argument as one of prom-client's own classes; it
    // reads name, get, reset and aggregator, which this class provides.
    for (const r of conf.registers) r.registerMetric(this as unknown as Metric<T>);
  }

  /** A child for one label set, by position (as prom-client's `labels(...values)`). */
  labels(...values: string[]): { inc(by?: number): void } {
    if (values.length !== this.#labelNames.length) {
      throw new Error(`${this.name}: ${values.length} label values for labels ${this.#labelNames.join(', ')}`);
    }
    const key = values.join('\u0000');
    return {
      inc: (by = 1): void => {
        if (!(by >= 0) || !Number.isFinite(by)) throw new TypeError(`${this.name}: a counter only goes up by a finite amount: ${by}`);
        let s = this.#series.get(key);
        if (!s) {
          s = { labels: Object.fromEntries(this.#labelNames.map((n, i) => [n, values[i] as string])), value: 0 };
          this.#series.set(key, s);
        }
        s.value += by;
      },
    };
  }

  reset(): void {
    this.#series = new Map();
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { value: number; labels: Record<string, string> }[] }> {
    const values = [...this.#series.values()].map((s) => ({ value: s.value, labels: { ...s.labels } }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}
