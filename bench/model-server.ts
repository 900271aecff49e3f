/**
 * Items scored per second by the demo MLP: in process (the ONNX type, main thread) vs
 * `pairec model-server` over loopback HTTP (EAS EasyRec protobuf, KServe v2 JSON and binary
 * data, TF Serving REST JSON), for rank batches of 100 and 400 items, one or several runs in flight.
 * The server is a separate process on the same machine, so on a small machine client and
 * server compete for cores: the remote figures are the protocols' cost, not a scale-out.
 *
 *   node dist/bench/model-server.js [--seconds 3] [--concurrency 8] [--model models/demo-mlp.onnx]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { pino } from 'pino';
import { Value } from '@sinclair/typebox/value';
import { createDefaultRegistry } from '../src/algorithm/builtins.js';
import type { Algorithm, FeatureMap, ScoreInput } from '../src/algorithm/contract.js';
import { createRng } from '../src/catalog/random.js';
import { createMetrics } from '../src/observability/metrics.js';
import { BatchingAlgorithm } from '../src/algorithm/middleware/batching.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    model: { type: 'string', default: fileURLToPath(new URL('../../models/demo-mlp.onnx', import.meta.url)) },
  },
});
const seconds = Number(values.seconds);
const model = values.model;
const SPEC = { User: [{ Name: 'embedding', Dim: 64 }], Item: [{ Name: 'embedding', Dim: 64 }] };
const logger = pino({ level: 'warn' });
const deps = {
  logger,
  metrics: createMetrics(undefined, { defaultMetrics: false }),
  catalog: undefined,
  cacheDir: undefined,
  signal: new AbortController().signal,
};

const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const server = spawn(process.execPath, [main, 'model-server', '--model', model, '--name', 'm', '--port', '0', '--host', '127.0.0.1'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((resolve, reject) => {
  let buf = '';
  server.stdout.setEncoding('utf8').on('data', (c: string) => {
    buf += c;
    const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(buf);
    if (m) resolve(Number(m[1]));
  });
  server.once('exit', () => reject(new Error('model-server exited')));
});
const base = `http://127.0.0.1:${port}`;

function inputs(count: number, size: number): ScoreInput[] {
  const rng = createRng(size);
  const vec = (): Float32Array => Float32Array.from({ length: 64 }, () => rng.next() * 2 - 1);
  return Array.from({ length: count }, () => {
    const items: FeatureMap[] = Array.from({ length: size }, (_, i) => ({ item_id: String(i), embedding: vec(), popularity: rng.next(), category: 'c1' }));
    return { items, user: { embedding: vec() } };
  });
}

async function build(type: string, conf: Record<string, unknown>): Promise<Algorithm<'score'>> {
  const def = createDefaultRegistry().getType(type);
  if (!def || def.kind !== 'score') throw new Error(`no score type ${type}`);
  return (await def.create('bench', Value.Default(def.schema, conf) as never, deps)) as Algorithm<'score'>;
}

/** Items per second with `concurrency` runs in flight for `seconds`. */
async function measure(algo: Algorithm<'score'>, batch: number, concurrency: number): Promise<number> {
  const set = inputs(16, batch);
  const ctx = () => ({ deadline: performance.now() + 10_000, signal: new AbortController().signal });
  for (const input of set.slice(0, 4)) await algo.run(input, ctx()); // warm up
  let items = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < end; i++) {
        await algo.run(set[i % set.length] as ScoreInput, ctx());
        items += batch;
      }
    }),
  );
  return items / ((performance.now() - t0) / 1000);
}

const backends: [string, string, Record<string, unknown>][] = [
  ['ONNX in process (main thread)', 'ONNX', { ModelPath: model, Features: SPEC }],
  ['EAS EasyRec (protobuf)', 'EAS', { Processor: 'EasyRec', Url: `${base}/api/predict/m`, Timeout: 5000 }],
  ['KSERVE v2 (JSON)', 'KSERVE', { Url: base, ModelName: 'm', Features: SPEC, Timeout: 5000 }],
  ['KSERVE v2 (binary data)', 'KSERVE', { Url: base, ModelName: 'm', Features: SPEC, Timeout: 5000, BinaryData: true }],
  ['TFSERVING REST (JSON)', 'TFSERVING', { Url: `${base}/v1/models/m:predict`, Features: SPEC, Timeout: 5000 }],
];
console.log(`model-server bench: ${cpus().length} cores, ${seconds} s per cell, items/s`);
console.log('| backend | batch | 1 in flight | ' + `${values.concurrency} in flight |`);
console.log('|---|---|---|---|');
for (const [label, type, conf] of backends) {
  const algo = await build(type, conf);
  for (const batch of [100, 400]) {
    const one = await measure(algo, batch, 1);
    const many = await measure(algo, batch, Number(values.concurrency));
    console.log(`| ${label} | ${batch} | ${Math.round(one).toLocaleString('en')} | ${Math.round(many).toLocaleString('en')} |`);
  }
  await algo.close();
}

// Batching on and off under concurrency: 32 callers each scoring a rank batch of 100 items
// (PaiRec's BatchCount), with and without the batching middleware coalescing them into
// calls of up to 400 items.
console.log('\n| batching (32 callers × 100 items) | off | on (BatchSize 400, 2 ms) | on ÷ off |');
console.log('|---|---|---|---|');
for (const [label, type, conf] of backends.filter(([, t]) => t === 'ONNX' || t === 'KSERVE')) {
  const plain = await build(type, conf);
  const off = await measure(plain, 100, 32);
  const batched = new BatchingAlgorithm(await build(type, conf), { batchSize: 400, batchTimeoutMs: 2, maxQueue: 10_000 });
  const on = await measure(batched, 100, 32);
  console.log(`| ${label} | ${Math.round(off).toLocaleString('en')} | ${Math.round(on).toLocaleString('en')} | ${(on / off).toFixed(2)} |`);
  await Promise.all([plain.close(), batched.close()]);
}
server.kill('SIGTERM');
