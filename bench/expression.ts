/**
 * Expression evaluation: the compiled forms on the request's hot path, evaluated per
 * candidate — a RankScore over three model outputs, a boost and a ConditionFilter
 * condition. Items per second of this process's CPU time (not wall time: on a shared
 * machine the time spent descheduled is not the code's), medians of several rounds.
 *
 *   node dist/bench/expression.js [--items 1000] [--rounds 5] [--seconds 1]
 */
import { parseArgs } from 'node:util';
import { compileExpression } from '../src/expression/expression.js';
import { compileCondition } from '../src/expression/condition.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '1' },
  },
});
const n = Number(values.items);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

type Item = Record<string, number | string | null>;
const items: Item[] = Array.from({ length: n }, (_, i) => ({
  'ctr_model.probs_ctr': (i % 97) / 97,
  cvr_model: (i % 13) / 13,
  popularity: i % 10 === 0 ? null : i / n,
  score: 1 - i / n,
  category: `cat_${i % 20}`,
  item_id: String(i),
}));
const all = (): boolean => true;
const rankScore = compileExpression('${ctr_model.probs_ctr} * ${cvr_model} + 0.1 * log(1 + ${cvr_model}) - sigmoid(${ctr_model.probs_ctr}) ^ 2', all).run;
const boost = compileExpression('score * 1.5 + 0.1 * max(score, 0.2)', all).run;
const condition = compileCondition('category != "cat_3" && popularity >= 0.001 || !(item_id in ["1", "2", "3"])', all).run;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function measure(run: (item: Item) => unknown): number {
  let sink = 0;
  const pass = (): void => {
    for (const item of items) if (run(item)) sink++;
  };
  for (let i = 0; i < 50; i++) pass(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let passes = 0;
    const t0 = cpuMs();
    const end = t0 + seconds * 1000;
    while (cpuMs() < end) {
      for (let i = 0; i < 10; i++) pass();
      passes += 10;
    }
    samples.push((passes * n) / ((cpuMs() - t0) / 1000));
  }
  if (sink < 0) console.log(sink); // keeps the results alive
  return median(samples);
}

const numberOf =
  (item: Item) =>
  (name: string): number => {
    const v = item[name];
    return typeof v === 'number' ? v : Number.NaN;
  };
const fmt = (x: number): string => `${(x / 1e6).toFixed(2)} M items/s`;
console.log(`expression evaluation, ${n} items per pass, median of ${rounds} × ${seconds}s of CPU`);
console.log(`RankScore         ${fmt(measure((item) => rankScore(numberOf(item))))}`);
console.log(`boost             ${fmt(measure((item) => boost(numberOf(item))))}`);
console.log(`ConditionFilter   ${fmt(measure((item) => condition((name) => item[name] ?? null)))}`);
