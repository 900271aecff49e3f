import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { Engine } from '../../src/engine/engine.js';
import { buildApp } from '../../src/server/app.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

interface Page {
  size: number;
  items: { item_id: string; retrieve_id: string }[];
  debug?: { stages: { stage: string; out: number; errors?: string[] }[] };
}

/**
 * What `npm start` serves (examples/default.json), on a 3,000-item demo so it loads in
 * seconds: the same recalls, filters, rank and back-fill, only the catalog is smaller.
 */
describe('the shipped default config: cold start', () => {
  const metrics = testMetrics();
  const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
  const app = buildApp({ engine, metrics, logger: silentLogger, state: { draining: false, loadError: false }, bodyLimit: 1 << 20 });
  const cache = mkdtempSync(join(tmpdir(), 'pairec-default-'));
  let catalog: Catalog;
  const post = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/recommend', payload });

  before(async () => {
    const config = JSON.parse(readFileSync(fileURLToPath(new URL('../../../examples/default.json', import.meta.url)), 'utf8')) as {
      CatalogConf: { Demo: Record<string, number>; CacheDir: string };
    };
    config.CatalogConf.Demo = { ...config.CatalogConf.Demo, Items: 3000, Users: 200, Clusters: 30 };
    config.CatalogConf.CacheDir = cache;
    await engine.reload(config as unknown as Record<string, unknown>);
    const c = engine.current()?.catalog;
    assert.ok(c);
    catalog = c;
  });
  after(async () => {
    await app.close();
    await engine.close();
    rmSync(cache, { recursive: true, force: true });
  });

  const popular = (n: number): string[] => {
    const pop = (row: number): number => Number(catalog.itemField(row, 'popularity') ?? 0);
    return catalog.itemIds
      .map((_, row) => row)
      .sort((a, b) => pop(b) - pop(a))
      .slice(0, n)
      .map((row) => catalog.itemIds[row] ?? '');
  };

  it('a uid that exists nowhere gets `size` popular items, and debug says they were back-filled', async () => {
    for (const size of [10, 50]) {
      const res = await post({ uid: 'nobody-anywhere', size, debug: true });
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json<Page>();
      assert.equal(page.size, size);
      assert.deepEqual(
        page.items.map((i) => i.item_id),
        popular(size),
      );
      assert.ok(page.items.every((i) => i.retrieve_id === 'hot_recall'));
      const stages = page.debug?.stages ?? [];
      assert.match(stages.find((s) => s.stage === 'recall')?.errors?.join() ?? '', /vector_recall: no_user_vector/);
      assert.equal(stages.find((s) => s.stage === 'backfill')?.out, size);
    }
  });

  it('a known user still gets a full page from its vector, nothing back-filled', async () => {
    const res = await post({ uid: catalog.userIds[3], size: 10, debug: true });
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json<Page>();
    assert.equal(page.size, 10);
    assert.ok(page.items.every((i) => i.retrieve_id === 'vector_recall'));
    assert.equal(
      page.debug?.stages.some((s) => s.stage === 'backfill'),
      false,
    );
  });

  it('a uid that exists nowhere, with its vector in the request, gets items recalled by it', async () => {
    const embedding = Array.from(catalog.userVector(0));
    const res = await post({ uid: 'nobody-anywhere', size: 10, features: { embedding } });
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json<Page>();
    assert.equal(page.size, 10);
    assert.ok(page.items.every((i) => i.retrieve_id === 'vector_recall'));
  });

  it('a request vector of the wrong length is a 400 naming the field', async () => {
    const res = await post({ uid: 'nobody-anywhere', features: { embedding: [0.1, 0.2, 0.3] } });
    assert.equal(res.statusCode, 400, res.body);
    const err = res.json<{ error_code: string; field: string; message: string }>();
    assert.equal(err.error_code, 'ERR_INVALID_FIELD');
    assert.equal(err.field, 'features.embedding');
    assert.match(res.body, /3 numbers; the index of \\"item_ann\\" takes 64/);
  });
});
