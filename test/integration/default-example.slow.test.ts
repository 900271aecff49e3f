import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerProcess } from '../helpers/server-process.js';

/**
 * The quick start's promise: the shipped default (RW-100k demo catalog, 100,000 items,
 * HNSW index built on first start) is ready within 60 s with an empty cache.
 */
describe('examples/default.json from an empty cache', () => {
  const config = fileURLToPath(new URL('../../../examples/default.json', import.meta.url));
  let server: ServerProcess | undefined;
  after(async () => {
    if (server && server.proc.exitCode === null) await server.stop('SIGKILL');
  });

  it('is ready within 60 s, recommends 10 distinct items with scores, and filters exposed items', async () => {
    const started = Date.now();
    server = await ServerProcess.start(config, [], mkdtempSync(join(tmpdir(), 'pairec-default-')));
    await server.waitReady(60_000);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 60, `ready after ${seconds} s`);
    const res = await server.post('/api/recommend', '{"uid":"1","size":10}');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { items: { item_id: string; score: number }[] };
    assert.equal(body.items.length, 10);
    assert.equal(new Set(body.items.map((i) => i.item_id)).size, 10);
    assert.ok(body.items.every((i) => Number.isFinite(i.score)));

    // Items reported shown through the callback never come back to that user.
    const cb = await server.post('/api/callback', JSON.stringify({ uid: '1', item_list: body.items.map((i) => ({ item_id: i.item_id })) }));
    assert.equal(cb.status, 200);
    const again = (await (await server.post('/api/recommend', '{"uid":"1","size":10}')).json()) as typeof body;
    assert.equal(again.items.length, 10);
    const shown = new Set(body.items.map((i) => i.item_id));
    assert.deepEqual(
      again.items.filter((i) => shown.has(i.item_id)),
      [],
    );
    assert.equal(await server.stop('SIGTERM'), 0);
  });
});
