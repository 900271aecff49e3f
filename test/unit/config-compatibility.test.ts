import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startServer } from '../../src/server/start.js';
import { Engine } from '../../src/engine/engine.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { IGNORED_KEYS, ignoredKeysIn } from '../../src/config/compatibility.js';
import { configRows } from '../../tools/reference/config-table.js';
import { fastConfig, writeConfig } from '../helpers/fast-config.js';
import { testMetrics } from '../helpers/context.js';

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

const ignoredWarnings = (lines: readonly Record<string, unknown>[]) => lines.filter((l) => Array.isArray(l.ignoredKeys));

describe('config keys accepted for compatibility and ignored (src/config/compatibility.ts)', () => {
  it('every key of the table is one the schema accepts', () => {
    const keys = new Set(configRows().map((r) => r.key));
    for (const { key } of IGNORED_KEYS) assert.ok(keys.has(key), `${key} is not a config key`);
  });

  it('finds the keys a config sets, in maps by name too, and none it leaves out', () => {
    const raw = {
      performance: { enable_pooling: false, worker_pool_size: 8 },
      monitoring: { metrics_interval_seconds: 30 },
      RedisConfs: { a: { Host: 'h', MaxIdle: 3 }, b: { WriteTimeout: 100 } },
    };
    assert.deepEqual(ignoredKeysIn(raw), [
      'performance.enable_pooling',
      'monitoring.metrics_interval_seconds',
      'RedisConfs.a.MaxIdle',
      'RedisConfs.b.WriteTimeout',
    ]);
    assert.deepEqual(ignoredKeysIn({ performance: { worker_pool_size: 8 }, RedisConfs: { a: { Host: 'h' } } }), []);
  });

  it('a server started on a config that sets them warns once, naming each; a reload warns again; a config without them loads silently', async (t) => {
    const sets = fastConfig({ performance: { enable_pooling: true }, monitoring: { metrics_interval_seconds: 10 } });
    const path = writeConfig(sets);
    const { logger, lines } = capturingLogger();
    const server = await startServer({ configPath: path, port: 0, host: '127.0.0.1', logger, watch: false });
    t.after(() => server.close());
    await server.loaded;
    const atStart = ignoredWarnings(lines);
    assert.equal(atStart.length, 1, 'one warning at load');
    assert.equal(atStart[0]?.level, 40);
    assert.deepEqual(atStart[0]?.ignoredKeys, ['performance.enable_pooling', 'monitoring.metrics_interval_seconds']);
    assert.match(String(atStart[0]?.msg), /performance\.enable_pooling, monitoring\.metrics_interval_seconds/);
    await server.reload('test');
    assert.equal(ignoredWarnings(lines).length, 2, 'a reload of the same file warns once more');

    const quiet = capturingLogger();
    new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: quiet.logger }).parse(fastConfig());
    assert.equal(ignoredWarnings(quiet.lines).length, 0);
  });
});
