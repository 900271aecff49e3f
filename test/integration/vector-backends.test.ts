import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { createCatalog } from '../../src/catalog/catalog.js';
import { demoCatalogData, generateDemo } from '../../src/catalog/demo.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { startVectorServerProcess } from '../helpers/process.js';
import { MilvusDoubleProcess } from '../helpers/milvus-double-process.js';

/**
 * One scene, one recall config; only the algorithm VectorRecall.AlgoName names changes:
 * embedded exact index, FAISS (a vector-server process, exact) and MILVUS (the official
 * SDK against the Milvus test double process — Milvus itself cannot run here).
 */
const dir = mkdtempSync(join(tmpdir(), 'pairec-backends-'));
const demo = { Items: 800, Users: 30, Dim: 16, Clusters: 20, Categories: 4, Seed: 9 };
const catalogConf = { Source: 'demo', Demo: demo, CacheDir: join(dir, 'cache') };
const base = (algo: Record<string, unknown>): Record<string, unknown> => ({
  CatalogConf: catalogConf,
  AlgoConfs: [
    { Name: 'item_vectors', ...algo },
    { Name: 'similarity', Type: 'LOOKUP', LookupConf: { FieldName: 'recall_score' } },
  ],
  // Every backend holds the demo's own items: its user vectors are in their space (From "catalog").
  RecallConfs: [{ Name: 'vector_recall', RecallType: 'VectorRecall', RecallCount: 50, AlgoName: 'item_vectors', UserEmbedding: { From: 'catalog' } }],
  SceneConfs: { default_scene: { default: { RecallNames: ['vector_recall'] } } },
  RankConf: { default_scene: { RankAlgoList: ['similarity'] } },
  performance: { request_timeout_ms: 3000 },
});

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup) await c();
});

async function engineFor(algo: Record<string, unknown>): Promise<Engine> {
  const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
  await engine.reload(base(algo));
  cleanup.push(() => engine.close());
  return engine;
}

const request = (uid: string): RecommendRequest => ({
  requestId: uid,
  uid,
  size: 20,
  sceneId: 'default_scene',
  category: 'default',
  features: {},
  debug: false,
});

describe('vector recall backends are a config change', () => {
  it('embedded, FAISS and MILVUS recall the same items with the same scores', async () => {
    const catalogFile = join(dir, 'catalog.json');
    writeFileSync(catalogFile, JSON.stringify({ CatalogConf: catalogConf }));
    const vs = await startVectorServerProcess(['--catalog', catalogFile, '--index', 'flat', '--port', '0', '--metrics-port', 'none']);
    cleanup.push(() => vs.proc.stop('SIGKILL'));

    const catalog = createCatalog(demoCatalogData(generateDemo({ items: 800, users: 30, dim: 16, clusters: 20, categories: 4, seed: 9 })), 'x');
    const rows = catalog.itemIds.map((id, i) => ({ id, vector: Array.from(catalog.itemVector(i)) }));
    const collections = join(dir, 'collections.json');
    writeFileSync(collections, JSON.stringify({ collections: [{ name: 'items', metric: 'IP', dim: 16, rows }] }));
    const milvus = await MilvusDoubleProcess.start(collections);
    cleanup.push(() => milvus.stop('SIGKILL'));

    const engines = {
      embedded: await engineFor({ Type: 'ANN', AnnConf: { Index: 'flat' } }),
      faiss: await engineFor({ Type: 'FAISS', VectorConf: { ServerAddress: `127.0.0.1:${vs.port}`, Timeout: 2000 } }),
      milvus: await engineFor({
        Type: 'MILVUS',
        MilvusConf: { ServerAddress: milvus.address, Timeout: 2000, CollectionName: 'items', VectorField: 'vector', MetricType: 'IP' },
      }),
    };
    for (const uid of ['1', '2', '7', '30']) {
      const [e, f, m] = await Promise.all([engines.embedded, engines.faiss, engines.milvus].map((x) => recommend(x, request(uid))));
      const ids = (r: typeof e) => r?.items.map((i) => i.itemId) ?? [];
      assert.equal(ids(e).length, 20);
      assert.deepEqual(ids(f), ids(e), `uid ${uid}: FAISS = embedded`);
      assert.deepEqual(ids(m), ids(e), `uid ${uid}: MILVUS = embedded`);
      e?.items.forEach((item, i) => {
        assert.ok(Math.abs((f?.items[i]?.score ?? 0) - item.score) < 1e-5);
        assert.ok(Math.abs((m?.items[i]?.score ?? 0) - item.score) < 1e-5);
        assert.equal(item.retrieveId, 'vector_recall');
      });
    }
  });
});
