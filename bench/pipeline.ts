/**
 * One request's CPU cost through the engine, without HTTP: RW-100k's scene run in a loop
 * in process, with the CPU time (process.cpuUsage, so a busy machine changes it little)
 * per request and per stage (debug trace, wall time) — medians of rounds. Tells where a
 * request's time goes before any HTTP benchmark.
 *
 *   node dist/bench/pipeline.js [--config examples/rw-100k.json] [--scene rw_100k] [--requests 2000] [--rounds 5] [--concurrency 1]
 */
import { parseArgs } from 'node:util';
import { recommend } from '../src/engine/recommend.js';
import type { RecommendRequest } from '../src/pipeline/context.js';
import { median } from './stats.js';
import { benchEngine, benchRequest } from './in-process.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'examples/rw-100k.json' },
    scene: { type: 'string', default: 'rw_100k' },
    requests: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    users: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '1' },
  },
});
const n = Number(values.requests);
const users = Number(values.users);
const concurrency = Math.max(1, Number(values.concurrency));
const engine = await benchEngine(values.config);
const request = (i: number, debug: boolean): RecommendRequest => benchRequest(i, values.scene, users, { debug });

for (let i = 0; i < 500; i++) await recommend(engine, request(i, false)); // warm-up: JIT, caches
const cpu: number[] = [];
const stages = new Map<string, number[]>();
for (let round = 0; round < Number(values.rounds); round++) {
  const c0 = process.cpuUsage();
  // `concurrency` requests in flight, as a server holds its connections' requests: their
  // stages interleave at every await, which costs cache misses a one-at-a-time loop hides.
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) await recommend(engine, request(round * n + next++, false));
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / n);
  // Stage split from the debug trace (wall time, one request at a time).
  const sum = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const { trace } = await recommend(engine, request(i, true));
    for (const s of trace ?? []) sum.set(s.stage, (sum.get(s.stage) ?? 0) + s.ms * 1000);
  }
  for (const [stage, us] of sum) stages.set(stage, [...(stages.get(stage) ?? []), us / 200]);
}
console.log(`config=${values.config} scene=${values.scene} requests=${n} × ${values.rounds} rounds, ${concurrency} in flight (medians)`);
console.log(`CPU per request      ${median(cpu).toFixed(0).padStart(6)} µs  → ${(1e6 / median(cpu)).toFixed(0)} requests/s per core`);
for (const [stage, xs] of stages) console.log(`  ${stage.padEnd(18)} ${median(xs).toFixed(0).padStart(6)} µs (wall)`);
await engine.close();
