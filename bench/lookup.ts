/**
 * LOOKUP throughput: items scored per second by the LOOKUP algorithm (through the
 * metrics wrapper, as the engine runs it) against a bare loop reading the same field,
 * measured in the same run. Medians of several rounds.
 *
 *   node dist/bench/lookup.js [--items 400] [--rounds 7] [--seconds 1]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { lookupType } from '../src/algorithm/lookup/index.js';
import { withMetrics } from '../src/algorithm/middleware/metrics.js';
import { createMetrics } from '../src/observability/metrics.js';
import type { FeatureMap } from '../src/algorithm/contract.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '7' },
    seconds: { type: 'string', default: '1' },
  },
});
const n = Number(values.items);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

const items: FeatureMap[] = Array.from({ length: n }, (_, i) => ({
  popularity: i % 10 === 0 ? undefined : i / n,
  category: `cat_${i % 20}`,
  recall_score: 1 - i / n,
}));
const metrics = createMetrics(undefined, { defaultMetrics: false });
const deps = { logger: pino({ level: 'silent' }), metrics, catalog: undefined, cacheDir: undefined, signal: new AbortController().signal };
const raw = await lookupType.create('bench', { FieldName: 'popularity', DefaultScore: 0.5 }, deps);
const wrapped = withMetrics(metrics)(raw);
const ctx = { deadline: performance.now() + 1e9, signal: new AbortController().signal };

async function measure(run: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await run(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 50; i++) await run();
      calls += 50;
    }
    samples.push((calls * n) / ((performance.now() - t0) / 1000));
  }
  return median(samples);
}

/** The floor: read the field and allocate one response per item, nothing else. */
function baseline(): { score: number }[] {
  const out = new Array<{ score: number }>(n);
  for (let i = 0; i < n; i++) {
    const v = items[i]?.popularity;
    out[i] = { score: typeof v === 'number' ? v : 0.5 };
  }
  return out;
}

const base = await measure(() => Promise.resolve(baseline()));
const bare = await measure(() => raw.run({ items }, ctx));
const full = await measure(() => wrapped.run({ items }, ctx));
const fmt = (x: number): string => `${(x / 1e6).toFixed(2)} M items/s`;
console.log(`LOOKUP, ${n} items per run, median of ${rounds} × ${seconds}s`);
console.log(`baseline loop         ${fmt(base)}`);
console.log(`LookupAlgorithm       ${fmt(bare)}  (${(bare / base).toFixed(2)} × baseline)`);
console.log(`+ metrics wrapper     ${fmt(full)}  (${(full / base).toFixed(2)} × baseline)`);
