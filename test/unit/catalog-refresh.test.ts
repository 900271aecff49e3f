import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Engine } from '../../src/engine/engine.js';
import { CatalogRefresher } from '../../src/engine/catalog-refresh.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-refresh-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Version = readonly number[] | 'broken';
type Op = { write: Version } | { check: true };

/** Writes a version the way exports land: aside, then renamed over the file. */
function land(path: string, version: Version): void {
  const tmp = `${path}.tmp`;
  const text =
    version === 'broken'
      ? '{"id":"x","embedding":[1,\n'
      : version.map((n) => JSON.stringify({ id: `sku-${n}`, embedding: [n % 7, 1 + (n % 3)], price: n })).join('\n') + '\n';
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const config = (path: string): Record<string, unknown> => ({
  CatalogConf: { Source: 'file', Items: { Path: path }, CacheDir: '' },
  RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 50 }],
  SceneConfs: { s: { default: { RecallNames: ['hot'] } } },
});

/** The refresher an Engine runs on its timer, driven by hand here. */
const refresherOf = (engine: Engine, settleMs: number): CatalogRefresher =>
  new CatalogRefresher(
    {
      serving: () => {
        const s = engine.current();
        return s?.config.CatalogConf ? { conf: s.config.CatalogConf, signature: s.catalog?.signature } : undefined;
      },
      refreshCatalog: () => engine.refreshCatalog(),
    },
    silentLogger,
    settleMs,
  );

const counted = async (metrics: EngineMetrics, result: string): Promise<number> =>
  (await metrics.catalog.refreshes.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

describe('catalog refresh (CatalogRefresher over a real Engine and real files)', () => {
  it('property: after any sequence of landed versions and checks, the catalog served is the last good version seen at a check', async () => {
    let run = 0;
    const version = fc.oneof(
      { weight: 3, arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 }) },
      { weight: 1, arbitrary: fc.constant('broken' as const) },
    );
    const op: fc.Arbitrary<Op> = fc.oneof(
      version.map((v) => ({ write: v })),
      fc.constant({ check: true as const }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 }),
        fc.array(op, { maxLength: 10 }),
        async (first, ops) => {
          const path = join(dir, `items-${run++}.jsonl`);
          land(path, first);
          const metrics = testMetrics();
          const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
          try {
            await engine.reload(config(path));
            const refresher = refresherOf(engine, 0);
            let onDisk: Version = first;
            let serving: readonly number[] = first;
            let loads = 1;
            let failures = 0;
            let failedSinceWrite = false;
            let written = false;
            for (const o of ops) {
              if ('write' in o) {
                land(path, o.write);
                onDisk = o.write;
                failedSinceWrite = false;
                written = true;
                continue;
              }
              const result = await refresher.check();
              const landed: boolean = written;
              written = false;
              if (onDisk === 'broken') {
                // A version that failed is not loaded again until the file changes.
                assert.equal(result, failedSinceWrite ? 'unchanged' : 'failed');
                if (!failedSinceWrite) failures++;
                failedSinceWrite = true;
              } else {
                assert.equal(result, landed ? 'refreshed' : 'unchanged');
                if (landed) {
                  serving = onDisk;
                  loads++;
                }
              }
              assert.deepEqual(
                engine.current()?.catalog?.itemIds,
                serving.map((n) => `sku-${n}`),
              );
            }
            assert.equal(await counted(metrics, 'success'), loads);
            assert.equal(await counted(metrics, 'failed'), failures);
          } finally {
            await engine.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a file landed and checked is served by the next check, and the catalog gauges follow it', async () => {
    const path = join(dir, 'gauges.jsonl');
    land(path, [1, 2, 3]);
    const metrics = testMetrics();
    const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
    try {
      await engine.reload(config(path));
      const before = engine.current()?.catalog?.signature;
      land(path, [4, 5, 6, 7]);
      assert.notEqual(await engine.refreshCatalog(), 'unchanged');
      assert.equal(await engine.refreshCatalog(), 'unchanged', 'nothing changed since');
      const text = await metrics.registry.metrics();
      assert.match(text, /^pairec_catalog_items 4$/m);
      assert.match(text, new RegExp(`^pairec_catalog_info\\{signature="${engine.current()?.catalog?.signature ?? 'none'}"\\} 1$`, 'm'));
      assert.doesNotMatch(text, new RegExp(`signature="${before ?? 'none'}"`), 'the old version is no longer reported');
    } finally {
      await engine.close();
    }
  });

  it('waits until a file modified in place has settled before it reads it', async () => {
    const path = join(dir, 'settle.jsonl');
    land(path, [1]);
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      await engine.reload(config(path));
      const refresher = refresherOf(engine, 400);
      land(path, [1, 2]);
      const started = Date.now();
      assert.equal(await refresher.check(), 'refreshed');
      assert.ok(Date.now() - started >= 300, 'the check waited for the file to settle');
      assert.deepEqual(engine.current()?.catalog?.itemIds, ['sku-1', 'sku-2']);
    } finally {
      await engine.close();
    }
  });
});
