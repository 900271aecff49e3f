/**
 * What matching a request to experiments costs: RW-100k's scene served in process with
 * and without experiment layers, the same work otherwise. The experiment copy of the
 * scene has two layers (two arms each, every bucket taken) whose parameters restate the
 * scene's own values, so each arm runs its own compiled pipeline doing what the plain
 * scene does: the difference is the matching (one MD5 per layer, a filter-free group, an
 * array read). CPU time per request (process.cpuUsage), the two interleaved in blocks of
 * 100 requests, medians of rounds.
 *
 *   node dist/bench/experiments.js [--config examples/rw-100k.json] [--scene rw_100k] [--requests 2000] [--rounds 3]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Engine } from '../src/engine/engine.js';
import { recommend } from '../src/engine/recommend.js';
import { createDefaultRegistry } from '../src/algorithm/builtins.js';
import { createMetrics } from '../src/observability/metrics.js';
import type { RecommendRequest } from '../src/pipeline/context.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'examples/rw-100k.json' },
    scene: { type: 'string', default: 'rw_100k' },
    requests: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    users: { type: 'string', default: '10000' },
  },
});
const n = Number(values.requests);
const users = Number(values.users);
const scene = values.scene;
const ab = `${scene}_ab`;

type Blocks = Record<string, Record<string, unknown>>;
const config = JSON.parse(await readFile(values.config, 'utf8')) as Blocks;
// The experiment scene: a copy of the scene under another name, in every block that names it.
for (const block of ['SceneConfs', 'FilterNames', 'RankConf', 'SortNames', 'FeatureConfs']) {
  const b = config[block];
  if (b?.[scene] !== undefined) b[ab] = b[scene];
}
// CPU is measured, not latency: a busy machine must not turn requests into deadline errors.
config.performance = { ...config.performance, request_timeout_ms: 60_000 };
const rank = (config.RankConf?.[scene] ?? {}) as Record<string, unknown>;
const recallCount = (config.RecallConfs as unknown as { Name: string; RecallCount?: number }[])[0]?.RecallCount ?? 300;
const recallName = (config.RecallConfs as unknown as { Name: string }[])[0]?.Name ?? '';
const arms = (first: number, params: Record<string, unknown>) => [
  { ExperimentId: first, Buckets: '0-49', Params: params },
  { ExperimentId: first + 1, Buckets: '50-99', Params: params },
];
config.ABTestConf = {
  ExpRoomId: 1,
  Layers: [
    { LayerId: 1, Scenes: [ab], ExperimentGroups: [{ ExpGroupId: 1, Experiments: arms(1, { RankConf: { BatchCount: rank.BatchCount ?? 100 } }) }] },
    { LayerId: 2, Scenes: [ab], ExperimentGroups: [{ ExpGroupId: 2, Experiments: arms(3, { RecallCounts: { [recallName]: recallCount } }) }] },
  ],
};

const engine = new Engine({ registry: createDefaultRegistry(), metrics: createMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'warn' }) });
await engine.reload(config);

const request = (i: number, sceneId: string): RecommendRequest => ({
  requestId: `r${i}`,
  uid: String(1 + ((i * 7919) % users)),
  sceneId,
  category: 'default',
  size: 20,
  features: {},
  debug: false,
});
/**
 * One round: `n` requests per scene in alternating blocks of 100 (the same users in
 * both), each block's CPU added to its scene: a machine getting busier or quieter during
 * the round weighs on both alike.
 */
const round = async (offset: number): Promise<[number, number]> => {
  const sums = [0, 0];
  for (let b = 0; b < n; b += 100) {
    for (const [k, sceneId] of [scene, ab].entries()) {
      const c0 = process.cpuUsage();
      for (let i = b; i < Math.min(n, b + 100); i++) await recommend(engine, request(offset + i, sceneId));
      const c = process.cpuUsage(c0);
      sums[k] = (sums[k] as number) + c.user + c.system;
    }
  }
  return [(sums[0] as number) / n, (sums[1] as number) / n];
};

const probe = await recommend(engine, request(0, ab));
for (let i = 0; i < 1000; i++) {
  await recommend(engine, request(i, scene)); // warm-up: JIT, caches, both scenes
  await recommend(engine, request(i, ab));
}
const plain: number[] = [];
const matched: number[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  const [p, m] = await round(r * n);
  plain.push(p);
  matched.push(m);
}
// The matching alone (what a matched request adds): route() over the same users, 3 × 100,000 calls.
const set = engine.current()?.experiments;
const routeCpu: number[] = [];
for (let r = 0; r < 3 && set; r++) {
  const reqs = Array.from({ length: 1000 }, (_, i) => request(r * 1000 + i, ab));
  const c0 = process.cpuUsage();
  for (let i = 0; i < 100_000; i++) set.route(reqs[i % 1000] as RecommendRequest);
  const c = process.cpuUsage(c0);
  routeCpu.push((c.user + c.system) / 100_000);
}
const p = median(plain);
const m = median(matched);
console.log(`config=${values.config} scene=${scene}: ${n} requests × ${values.rounds} rounds each, interleaved (e.g. ${probe.experimentId})`);
console.log(`unmatched  CPU per request ${p.toFixed(0).padStart(6)} µs  rounds ${plain.map((x) => x.toFixed(0)).join(' ')}`);
console.log(`matched    CPU per request ${m.toFixed(0).padStart(6)} µs  rounds ${matched.map((x) => x.toFixed(0)).join(' ')}`);
console.log(`difference ${(((m - p) / p) * 100).toFixed(2)} % (medians)`);
console.log(
  `matching alone (route, 2 layers) ${median(routeCpu).toFixed(2)} µs per request = ${((median(routeCpu) / p) * 100).toFixed(2)} % of an unmatched request`,
);
await engine.close();
