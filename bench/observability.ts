/**
 * What observability costs a request: the per-request log line alone (ns per call, pino
 * writing to /dev/null), and POST /api/recommend end to end in-process (fastify inject)
 * with the log line off and on, and with tracing at sample_rate 0 and 1 (spans created
 * and dropped: no exporter). CPU time per request, medians of several rounds, variants
 * interleaved per round.
 *
 *   node dist/bench/observability.js [--rounds 5] [--seconds 2]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { Engine } from '../src/engine/engine.js';
import { createDefaultRegistry } from '../src/algorithm/builtins.js';
import { withTracing } from '../src/algorithm/middleware/tracing.js';
import { createMetrics } from '../src/observability/metrics.js';
import { Tracing } from '../src/observability/tracing.js';
import { buildApp } from '../src/server/app.js';
import { median } from './stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '2' } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const devNull = (level: string): Logger => pino({ level, base: { pid: process.pid } }, pino.destination({ dest: '/dev/null', sync: true }));

// 1. The log call itself, as request-log.ts makes it.
function logCallNs(logger: Logger): number {
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (logger.isLevelEnabled('info')) {
      logger.info(
        { request_id: 'rq-123456', scene: 'default_scene', status: 200, latency_ms: 1.234, items: 10, fallback: false, error_code: undefined },
        'recommend',
      );
    }
  }
  return ((performance.now() - t0) * 1e6) / n;
}
const logInfo = median(Array.from({ length: rounds }, () => logCallNs(devNull('info'))));
console.log(`log line, level info (written to /dev/null)  ${logInfo.toFixed(0)} ns per request`);

// 1b. The spans of one request as the pipeline makes them: request, 4 stages, 2 algorithm calls.
function spansUs(sampleRate: number): number {
  const tracing = Tracing.create({ enable_tracing: true, sample_rate: sampleRate });
  if (!tracing) return 0;
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const spans = tracing.startRequest('POST /api/recommend', {}, { 'http.route': '/api/recommend' });
    if (spans) {
      let t = performance.now();
      for (const stage of ['recall', 'filter', 'rank', 'sort']) {
        if (stage === 'recall' || stage === 'rank') tracing.tracer.startSpan('algorithm x', {}, spans.parent()).end();
        const now = performance.now();
        spans.stage(stage, t, now, 10, 10);
        t = now;
      }
      spans.end(200, { 'pairec.scene': 'default_scene', 'pairec.items': 10 });
    }
  }
  return ((performance.now() - t0) * 1000) / n;
}
for (const rate of [0, 1]) {
  const us = median(Array.from({ length: rounds }, () => spansUs(rate)));
  console.log(`spans of one request, sample_rate ${rate}             ${us.toFixed(2)} µs per request`);
}

// 2. End to end.
const config = {
  LogConf: { LogLevel: 'info' },
  CatalogConf: { Source: 'demo', Demo: { Items: 5000, Users: 500, Dim: 16, Clusters: 50, Categories: 8, Seed: 7 } },
  AlgoConfs: [{ Name: 'popularity_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } }],
  RecallConfs: [{ Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 300 }],
  SceneConfs: { default_scene: { default: { RecallNames: ['hot_recall'] } } },
  RankConf: { default_scene: { RankAlgoList: ['popularity_lookup'] } },
};

async function variant(level: string, sampleRate: number | undefined) {
  const metrics = createMetrics(undefined, { defaultMetrics: false });
  const logger = devNull(level);
  const tracing = sampleRate === undefined ? undefined : Tracing.create({ enable_tracing: true, sample_rate: sampleRate });
  const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger, middlewares: tracing ? [withTracing(tracing.tracer)] : [] });
  await engine.apply(engine.parse(config));
  const app = buildApp({ engine, metrics, logger, state: { draining: false, loadError: false }, bodyLimit: 65536, tracing });
  await app.ready();
  const payload = JSON.stringify({ uid: '7', size: 10 });
  const once = () => app.inject({ method: 'POST', url: '/api/recommend', payload, headers: { 'content-type': 'application/json' } });
  for (let i = 0; i < 500; i++) await once();
  return {
    async round(): Promise<number> {
      let n = 0;
      const end = performance.now() + seconds * 1000;
      // CPU time of this process, not wall time: other processes on a shared machine
      // inflate wall time at random, and every variant here is CPU-bound.
      const c0 = process.cpuUsage();
      while (performance.now() < end) {
        for (let i = 0; i < 20; i++) await once();
        n += 20;
      }
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / n; // CPU µs per request
    },
    close: async () => {
      await app.close();
      await engine.close();
      await tracing?.shutdown();
    },
  };
}

const variants = {
  'log off (warn), no tracing': await variant('warn', undefined),
  'log on (info), no tracing': await variant('info', undefined),
  'log off, tracing sample_rate 0': await variant('warn', 0),
  'log off, tracing sample_rate 1': await variant('warn', 1),
};
const samples = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, v] of Object.entries(variants)) samples.get(name)?.push(await v.round());
}
const base = median(samples.get('log off (warn), no tracing') ?? []);
console.log(`\nPOST /api/recommend in-process (inject), CPU time, median of ${rounds} × ${seconds}s`);
for (const [name, xs] of samples) {
  const m = median(xs);
  console.log(`${name.padEnd(32)} ${m.toFixed(1)} CPU µs/request  (${m - base >= 0 ? '+' : ''}${(m - base).toFixed(1)} µs)`);
}
for (const v of Object.values(variants)) await v.close();
