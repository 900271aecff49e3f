import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { maxQueueOf } from '../../src/algorithm/onnx/index.js';
import { runsPerRequest, runsInFlight } from '../../src/config/run-bounds.js';
import { PairecError } from '../../src/errors.js';
import { recommendRequest } from '../helpers/request.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'pairec-queue-'));

/** examples/default.json as shipped, on a catalog small enough for a unit test (2,000 items). */
function shippedDefault(): Record<string, unknown> {
  const file = fileURLToPath(new URL('../../../examples/default.json', import.meta.url));
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { CatalogConf: { Demo: Record<string, number>; CacheDir: string } };
  config.CatalogConf.Demo = { ...config.CatalogConf.Demo, Items: 2000, Users: 200, Clusters: 40 };
  config.CatalogConf.CacheDir = cacheDir;
  return config;
}

/** A pino logger whose lines are kept, parsed. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('ONNX MaxQueue is derived from admission', () => {
  after(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('the shipped config: a request makes 3 runs of the model (300 candidates / BatchCount 100), so 1,000 admitted requests queue at most 3,000', () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    const config = engine.parse(shippedDefault());
    assert.equal(runsPerRequest(config, 'demo_mlp'), 3);
    assert.equal(runsInFlight(config, 'demo_mlp'), 3000);
    assert.equal(runsPerRequest(config, 'popularity_lookup'), 1, 'an algorithm no scene ranks with');
  });

  it('an explicit MaxQueue wins, with a warning when it is below what admission lets in', () => {
    const { logger, lines } = capturingLogger();
    const deps = { logger, runsInFlight: () => 3000 };
    assert.equal(maxQueueOf('m', {}, deps), 3000);
    assert.equal(maxQueueOf('m', { MaxQueue: 5000 }, deps), 5000);
    assert.equal(lines.length, 0);
    assert.equal(maxQueueOf('m', { MaxQueue: 1024 }, deps), 1024);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, 40);
    assert.equal(lines[0]?.runsInFlight, 3000);
    assert.match(String(lines[0]?.msg), /MaxQueue 1024 is below the 3000 runs/);
  });

  it('with the shipped defaults, max_concurrent_requests requests at once never get ERR_QUEUE_FULL', async (t) => {
    const metrics = testMetrics();
    const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
    try {
      await engine.reload(shippedDefault());
      const limit = engine.current()?.config.performance.max_concurrent_requests ?? 0;
      assert.equal(limit, 1000);
      // Every request started in the same turn: their 3,000 model runs wait together.
      const results = await Promise.allSettled(
        Array.from({ length: limit }, (_, i) => recommend(engine, recommendRequest({ requestId: `r${i}`, uid: String(i % 200), size: 10 }))),
      );
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      const queueFull = failed.filter((r) => r.reason instanceof PairecError && r.reason.code === 'ERR_QUEUE_FULL');
      assert.equal(queueFull.length, 0, `${queueFull.length} of ${limit} requests got ERR_QUEUE_FULL`);
      // On a loaded 2-core machine the last of 1,000 simultaneous requests may run out of
      // time (request_timeout_ms 5 s): that is the deadline's doing, never the queue's.
      const other = failed.filter((r) => !(r.reason instanceof PairecError && r.reason.code === 'ERR_DEADLINE_EXCEEDED'));
      assert.deepEqual(
        other.map((r) => String(r.reason)),
        [],
        'no failure but the deadline',
      );
      const served = results.filter((r) => r.status === 'fulfilled');
      assert.ok(served.length > limit / 2, 'most are answered');
      t.diagnostic(`${limit} requests at once: ${served.length} answered, ${failed.length} past the deadline, 0 ERR_QUEUE_FULL`);
      const text = await metrics.registry.metrics();
      assert.doesNotMatch(text, /pairec_pool_rejections_total\{[^}]*reason="queue_full"\} [1-9]/);
    } finally {
      await engine.close();
    }
  });
});
