import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { ConfigError, PairecError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/validate.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { MAX_FEATURE_VECTOR, parseRecommendBody } from '../../src/server/request.js';
import { NoUserVector, userVectorPlan, vectorOf } from '../../src/pipeline/recall/user-vector.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { Algorithm, RunRequest } from '../../src/algorithm/contract.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import { recommendRequest } from '../helpers/request.js';
import { silentLogger } from '../helpers/context.js';
import { stageContext } from '../helpers/pipeline.js';

const DIM = 16;
const K = 20;

/** A 3,000-item demo searched by an exact (flat) index: the reference is brute force. */
function config(cacheDir: string): Record<string, unknown> {
  return {
    ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0 },
    LogConf: { LogLevel: 'info' },
    CatalogConf: { Source: 'demo', Demo: { Items: 3000, Users: 100, Dim: DIM, Clusters: 30, Categories: 6, Seed: 11 }, CacheDir: cacheDir },
    AlgoConfs: [{ Name: 'exact', Type: 'ANN', AnnConf: { Index: 'flat', Space: 'ip' } }],
    RecallConfs: [
      { Name: 'vector_recall', RecallType: 'VectorRecall', RecallCount: K, AlgoName: 'exact' },
      { Name: 'request_only', RecallType: 'VectorRecall', RecallCount: K, AlgoName: 'exact', UserEmbedding: { From: 'request', Field: 'user_vec' } },
      { Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 100 },
      { Name: 'custom_recall', RecallType: 'VectorRecall', RecallCount: 3, AlgoName: 'echo' },
    ],
    SceneConfs: {
      default_scene: { default: { RecallNames: ['vector_recall'], BackfillRecall: 'hot_recall' } },
      bare_scene: { default: { RecallNames: ['vector_recall'] } },
      fallback_scene: { default: { RecallNames: ['request_only'], FallbackConfig: { Size: 50 } } },
      custom_scene: { default: { RecallNames: ['custom_recall'] } },
    },
    performance: { request_timeout_ms: 5000 },
  };
}

/** The k items of largest inner product with q, best first: what an exact index must return. */
function bruteForce(catalog: Catalog, q: Float32Array, k: number): string[] {
  const scores = catalog.itemIds.map((_, row) => {
    const v = catalog.itemVector(row);
    let s = 0;
    for (let i = 0; i < q.length; i++) s += (q[i] ?? 0) * (v[i] ?? 0);
    return { row, s };
  });
  scores.sort((a, b) => b.s - a.s);
  return scores.slice(0, k).map((e) => catalog.itemIds[e.row] ?? '');
}

/**
 * `ids` is the brute-force top-k of q: position by position, the true score of the item
 * returned equals the k-th best score (float32 sums in another order may swap exact ties
 * only, so scores are compared, to 1e-5).
 */
function assertTopK(catalog: Catalog, ids: readonly string[], q: Float32Array, k: number): void {
  const dot = (row: number): number => {
    const v = catalog.itemVector(row);
    let s = 0;
    for (let i = 0; i < q.length; i++) s += (q[i] ?? 0) * (v[i] ?? 0);
    return s;
  };
  const want = bruteForce(catalog, q, k).map((id) => dot(catalog.itemIndex(id) ?? -1));
  assert.equal(ids.length, k);
  assert.equal(new Set(ids).size, k);
  ids.forEach((id, i) => {
    const got = dot(catalog.itemIndex(id) ?? -1);
    assert.ok(Math.abs(got - (want[i] ?? 0)) < 1e-5, `position ${i}: ${id} scores ${got}, the brute-force item there ${want[i]}`);
  });
}

function popular(catalog: Catalog, n: number): string[] {
  const pop = (row: number): number => Number(catalog.itemField(row, 'popularity') ?? 0);
  return catalog.itemIds
    .map((_, row) => row)
    .sort((a, b) => pop(b) - pop(a))
    .slice(0, n)
    .map((row) => catalog.itemIds[row] ?? '');
}

function randomVector(seed: number, dim = DIM): number[] {
  let x = seed;
  return Array.from({ length: dim }, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  });
}

/** A request as the HTTP layer makes it (number arrays become Float32Arrays). */
const body = (b: Record<string, unknown>): RecommendRequest => parseRecommendBody({ size: K, ...b }, 1000);

describe('VectorRecall: the user vector from the request, the catalog or loaded features', () => {
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
  const cache = mkdtempSync(join(tmpdir(), 'pairec-uv-'));
  let catalog: Catalog;
  const counter = async (name: string, labels: Record<string, string>): Promise<number> => {
    const m = await registry.getSingleMetric(name)?.get();
    const hit = m?.values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
    return hit?.value ?? 0;
  };

  /** A custom retrieval algorithm: answers three fixed items and keeps what its run saw of the request. */
  const seen: (RunRequest | undefined)[] = [];
  const echo: Algorithm<'retrieval'> = {
    name: 'echo',
    type: 'ECHO',
    kind: 'retrieval',
    run: (input, ctx) => {
      seen.push(ctx.request);
      return Promise.resolve(input.vectors.map(() => ({ ids: ['1', '2', '3'], scores: Float32Array.of(3, 2, 1) })));
    },
    close: () => Promise.resolve(),
  };

  before(async () => {
    engine.registerAlgorithm(echo);
    await engine.reload(config(cache));
    const c = engine.current()?.catalog;
    assert.ok(c);
    catalog = c;
  });
  after(async () => {
    await engine.close();
    rmSync(cache, { recursive: true, force: true });
  });

  it('property: a uid no store knows, with a request vector, gets exactly the brute-force top-k', async () => {
    const vector = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: DIM, maxLength: DIM });
    await fc.assert(
      fc.asyncProperty(vector, fc.stringMatching(/^[a-z0-9-]{1,20}$/), async (q, uid) => {
        fc.pre(catalog.userIndex(uid) === undefined && q.some((x) => Math.abs(x) > 1e-3));
        const { items } = await recommend(engine, body({ uid, features: { embedding: q } }));
        assertTopK(
          catalog,
          items.map((i) => i.itemId),
          Float32Array.from(q),
          K,
        );
        assert.ok(items.every((i) => i.retrieveId === 'vector_recall'));
      }),
      { numRuns: 25 },
    );
  });

  it('a page the vector fills only partly is topped up with popular items it does not already hold', async () => {
    const q = randomVector(21);
    const { items } = await recommend(engine, body({ uid: 'stranger', size: K + 15, features: { embedding: q } }));
    const top = items.slice(0, K).map((i) => i.itemId);
    assertTopK(
      catalog,
      items.slice(0, K).map((i) => i.itemId),
      Float32Array.from(q),
      K,
    );
    const rest = items.slice(K);
    assert.ok(rest.every((i) => i.retrieveId === 'hot_recall'));
    assert.deepEqual(
      rest.map((i) => i.itemId),
      popular(catalog, 100)
        .filter((id) => !top.includes(id))
        .slice(0, 15),
    );
    assert.equal(new Set(items.map((i) => i.itemId)).size, K + 15);
  });

  it('a catalog user without a request vector gets its catalog vector; a request vector wins over it', async () => {
    const uid = catalog.userIds[5] ?? '';
    const row = catalog.userIndex(uid) ?? -1;
    const own = await recommend(engine, body({ uid }));
    assertTopK(
      catalog,
      own.items.map((i) => i.itemId),
      catalog.userVector(row),
      K,
    );
    const q = randomVector(9);
    const sent = await recommend(engine, body({ uid, features: { embedding: q } }));
    assertTopK(
      catalog,
      sent.items.map((i) => i.itemId),
      Float32Array.from(q),
      K,
    );
  });

  it('a uid with no vector anywhere: popular items back-filled, the reason in debug, both counted', async () => {
    const failures = await counter('pairec_recall_failures_total', { scene: 'default_scene', reason: 'no_user_vector' });
    const short = await counter('pairec_items_not_enough_total', { scene: 'default_scene' });
    const { items, trace } = await recommend(engine, body({ uid: 'nobody-anywhere', debug: true }));
    assert.deepEqual(
      items.map((i) => i.itemId),
      popular(catalog, K),
    );
    assert.ok(items.every((i) => i.retrieveId === 'hot_recall'));
    const recall = trace?.find((t) => t.stage === 'recall');
    assert.match(recall?.errors?.join(' ') ?? '', /vector_recall: no_user_vector: no user vector \(tried request features\.embedding, catalog user row\)/);
    const backfill = trace?.find((t) => t.stage === 'backfill');
    assert.equal(backfill?.out, K);
    assert.match(backfill?.errors?.join(' ') ?? '', /size not enough: 0 of 20 items; 20 back-filled from hot_recall/);
    assert.equal(await counter('pairec_recall_failures_total', { scene: 'default_scene', reason: 'no_user_vector' }), failures + 1);
    assert.equal(await counter('pairec_items_not_enough_total', { scene: 'default_scene' }), short + 1);
  });

  it('without a back-fill the source contributes nothing: an empty page, not a 503, still counted', async () => {
    const short = await counter('pairec_items_not_enough_total', { scene: 'bare_scene' });
    const { items, trace } = await recommend(engine, body({ uid: 'nobody-anywhere', scene_id: 'bare_scene', debug: true }));
    assert.equal(items.length, 0);
    assert.equal(trace?.at(-1)?.stage, 'sort');
    assert.equal(trace?.at(-1)?.out, 0);
    assert.equal(await counter('pairec_items_not_enough_total', { scene: 'bare_scene' }), short + 1);
  });

  it('From "request" reads only the named request field; a short page is topped up from the fallback list', async () => {
    const uid = catalog.userIds[0] ?? '';
    const noField = await recommend(engine, body({ uid, scene_id: 'fallback_scene' }));
    assert.deepEqual(
      noField.items.map((i) => i.itemId),
      popular(catalog, K),
      'a catalog user, but From "request": no vector, fallback list',
    );
    assert.ok(noField.items.every((i) => i.retrieveId === 'fallback'));
    const q = randomVector(4);
    const withField = await recommend(engine, body({ uid, scene_id: 'fallback_scene', features: { user_vec: q } }));
    assertTopK(
      catalog,
      withField.items.map((i) => i.itemId),
      Float32Array.from(q),
      K,
    );
  });

  it('a custom algorithm reaches the request: uid and features, the vector among them', async () => {
    seen.length = 0;
    const { items } = await recommend(engine, body({ uid: 'custom-user', scene_id: 'custom_scene', features: { embedding: [1, 2, 3], city: 'x' } }));
    assert.deepEqual(items.map((i) => i.itemId).slice(0, 3), ['1', '2', '3']);
    assert.equal(seen[0]?.uid, 'custom-user');
    assert.equal(seen[0]?.features.city, 'x');
    assert.deepEqual(Array.from(seen[0]?.features.embedding as Float32Array), [1, 2, 3]);
  });

  it('a request vector of the wrong length is a 400 naming the field', async () => {
    await assert.rejects(recommend(engine, body({ uid: 'x', features: { embedding: randomVector(1, DIM - 1) } })), (e: unknown) => {
      assert.ok(e instanceof PairecError);
      assert.equal(e.code, 'ERR_INVALID_FIELD');
      assert.equal(e.status, 400);
      assert.equal(e.path, 'features.embedding');
      assert.match(e.message, /features\.embedding has 15 numbers; the index of "exact" takes 16/);
      return true;
    });
    await assert.rejects(
      recommend(engine, body({ uid: 'x', features: { embedding: 'not a vector' } })),
      (e: unknown) => e instanceof PairecError && e.path === 'features.embedding' && e.status === 400,
    );
  });
});

describe('VectorRecall config', () => {
  const vocab = builtinVocabulary(createDefaultRegistry());
  const remoteOnly = (recall: Record<string, unknown>) => ({
    AlgoConfs: [{ Name: 'faiss', Type: 'FAISS', VectorConf: { ServerAddress: '127.0.0.1:9000' } }],
    RecallConfs: [{ Name: 'v', RecallType: 'VectorRecall', AlgoName: 'faiss', ...recall }],
    SceneConfs: { s: { default: { RecallNames: ['v'] } } },
  });
  const problems = (raw: unknown): string[] => {
    try {
      parseConfig(raw, vocab);
      return [];
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.problems.map((p) => `${p.path ?? ''}: ${p.message}`);
    }
  };

  it('a remote index searched with the request vector needs no catalog; From "catalog" does', () => {
    assert.deepEqual(problems(remoteOnly({ UserEmbedding: { Dim: 32 } })), []);
    assert.match(problems(remoteOnly({ UserEmbedding: { From: 'catalog' } })).join(), /\$\.CatalogConf: required/);
  });

  it('UserEmbedding on another recall type is refused with its path', () => {
    const raw = remoteOnly({});
    raw.RecallConfs.push({ Name: 'hot', RecallType: 'UserGlobalHotRecall', UserEmbedding: { From: 'request' } } as never);
    assert.match(problems(raw).join(), /\$\.RecallConfs\[1\]\.UserEmbedding: does not apply to UserGlobalHotRecall/);
  });
});

describe('request features as number arrays', () => {
  it('become Float32Arrays; a body without arrays keeps its own features object', () => {
    const features = { a: 1, b: 'x' };
    assert.equal(parseRecommendBody({ uid: 'u', features }, 100).features, features);
    const r = parseRecommendBody({ uid: 'u', features: { a: 1, v: [0.5, -1, 2] } }, 100);
    assert.ok(r.features.v instanceof Float32Array);
    assert.deepEqual(Array.from(r.features.v), [0.5, -1, 2]);
    assert.equal(r.features.a, 1);
  });

  it('are bounded: longer than MAX_FEATURE_VECTOR, or not all numbers, is a 400 naming the field', () => {
    for (const v of [new Array<number>(MAX_FEATURE_VECTOR + 1).fill(0), [1, 'x'], [], [0.5, 1e39]]) {
      assert.throws(
        () => parseRecommendBody({ uid: 'u', features: { embedding: v } }, 100),
        (e: unknown) => e instanceof PairecError && e.status === 400 && e.path === 'features.embedding',
      );
    }
  });
});

describe('userVectorPlan', () => {
  // Just what a plan reads of a catalog: its width and one known user.
  const demo = (): Catalog =>
    ({
      dim: 2,
      userIndex: (id: string) => (id === 'known' ? 0 : undefined),
      userVector: () => Float32Array.of(9, 9),
    }) as unknown as Catalog;
  const ctx = (uid: string, features: Record<string, number[]> = {}) => {
    const c = stageContext(undefined, uid);
    const f = Object.fromEntries(Object.entries(features).map(([k, v]) => [k, Float32Array.from(v)]));
    return { ...c, request: { ...c.request, features: f } };
  };
  const loader = (rows: Record<string, Record<string, number | string>>) => ({
    store: 'user' as const,
    load: (ids: readonly string[]) => Promise.resolve(ids.map((id) => rows[id] ?? {})),
  });

  it('a demo catalog searched through FAISS is not asked for the user: its vectors are synthetic', () => {
    const plan = userVectorPlan('faiss', { Field: 'embedding', Dim: 2 }, demo(), { algorithmType: () => 'FAISS', demoCatalog: true });
    assert.throws(() => plan.find(ctx('known')), NoUserVector);
    assert.deepEqual(Array.from(plan.find(ctx('known', { embedding: [1, 2] })) as Float32Array), [1, 2]);
    const explicit = userVectorPlan('faiss', { From: 'catalog', Field: 'embedding' }, demo(), { algorithmType: () => 'FAISS', demoCatalog: true });
    assert.deepEqual(Array.from(explicit.find(ctx('known')) as Float32Array), [9, 9]);
  });

  it('falls through request → catalog → loaded user features, and checks the stored width', async () => {
    const plan = userVectorPlan('ann', undefined, demo(), {
      algorithmType: () => 'ANN',
      userLoaders: [loader({ wrong: { embedding: '1,2,3' } }), loader({ stored: { embedding: '0.5, 0.25' }, wrong: { embedding: '3 4' } })],
    });
    assert.deepEqual(Array.from(plan.find(ctx('known')) as Float32Array), [9, 9]);
    assert.deepEqual(Array.from(await plan.find(ctx('stored'))), [0.5, 0.25]);
    assert.deepEqual(Array.from(await plan.find(ctx('wrong'))), [3, 4], 'a 3-wide stored vector is skipped for the next loader');
    await assert.rejects(
      Promise.resolve().then(() => plan.find(ctx('nobody'))),
      NoUserVector,
    );
  });

  it('vectorOf reads arrays and separated strings, and refuses non-finite values', () => {
    assert.deepEqual(Array.from(vectorOf([1, 2]) ?? []), [1, 2]);
    assert.deepEqual(Array.from(vectorOf('1 2,3') ?? []), [1, 2, 3]);
    assert.equal(vectorOf('1,x'), undefined);
    assert.equal(vectorOf(''), undefined);
    assert.equal(vectorOf(3), undefined);
  });

  it('the helper request builder still gives empty features', () => {
    assert.deepEqual(recommendRequest().features, {});
  });
});
