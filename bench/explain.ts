/**
 * What the explain mode costs. Normal requests must not pay for it: with --baseline (a
 * built checkout of the commit before it), bench/pipeline.ts runs from both builds in turn
 * (A B A B …, `--runs` each, the same config, cache and machine) and their CPU per request
 * is compared, median against median. Then, in this process, requests with and without
 * `explain` (rounds interleaved): what an explained request costs, and its report's size.
 *
 *   node dist/bench/explain.js [--baseline DIR] [--config examples/rw-100k.json] [--scene rw_100k] [--requests 2000] [--runs 3]
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { recommend } from '../src/engine/recommend.js';
import type { RecommendRequest } from '../src/pipeline/context.js';
import { median } from './stats.js';
import { benchEngine, benchRequest } from './in-process.js';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    config: { type: 'string', default: 'examples/rw-100k.json' },
    scene: { type: 'string', default: 'rw_100k' },
    requests: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    users: { type: 'string', default: '10000' },
  },
});
const n = Number(values.requests);
const runs = Number(values.runs);
const users = Number(values.users);
const here = resolve(import.meta.dirname, '..', '..');

/** One bench/pipeline.js run of the build at `root`: its CPU per request, µs. */
function pipelineCpu(root: string): number {
  const out = execFileSync(
    process.execPath,
    [
      resolve(root, 'dist/bench/pipeline.js'),
      '--config',
      values.config,
      '--scene',
      values.scene,
      '--requests',
      String(n),
      '--rounds',
      '1',
      '--users',
      String(users),
    ],
    {
      encoding: 'utf8',
    },
  );
  const m = /CPU per request\s+(\d+) µs/.exec(out);
  if (!m?.[1]) throw new Error(`no CPU line in:\n${out}`);
  return Number(m[1]);
}

if (values.baseline !== undefined) {
  const base: number[] = [];
  const head: number[] = [];
  for (let r = 0; r < runs; r++) {
    base.push(pipelineCpu(resolve(values.baseline)));
    head.push(pipelineCpu(here));
    console.log(`run ${r + 1}: baseline ${base.at(-1)} µs, this build ${head.at(-1)} µs`);
  }
  const b = median(base);
  const h = median(head);
  console.log(`explain off, CPU per request (median of ${runs}): baseline ${b} µs, this build ${h} µs (${(((h - b) / b) * 100).toFixed(1)} %)`);
}

const engine = await benchEngine(values.config);
const request = (i: number, explain: boolean): RecommendRequest => benchRequest(i, values.scene, users, explain ? { explain: true } : {});
for (let i = 0; i < 300; i++) await recommend(engine, request(i, i % 2 === 0)); // warm-up: JIT, caches
const cpu = { off: [] as number[], on: [] as number[] };
let bytes = 0;
for (let r = 0; r < runs; r++) {
  for (const mode of ['off', 'on'] as const) {
    const count = mode === 'on' ? Math.max(1, Math.floor(n / 10)) : n;
    const c0 = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const res = await recommend(engine, request(r * n + i, mode === 'on'));
      if (res.explain && i === 0) bytes = JSON.stringify(res.explain).length;
    }
    const c = process.cpuUsage(c0);
    cpu[mode].push((c.user + c.system) / count);
  }
}
console.log(
  `in process (median of ${runs}): explain off ${median(cpu.off).toFixed(0)} µs, explain on ${median(cpu.on).toFixed(0)} µs per request; one report ${bytes} bytes of JSON`,
);
await engine.close();
