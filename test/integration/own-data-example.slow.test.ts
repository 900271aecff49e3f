import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { writeOwnData } from '../../tools/own-data.js';
import type { OwnItem } from '../../tools/own-data.js';
import { ServerProcess } from '../helpers/server-process.js';

interface Page {
  items: { item_id: string; retrieve_id: string; score: number }[];
}

const SIZE = 10;
const RECALL = 100;

/**
 * examples/own-data/ end to end: the generator's data set and model served by the example's
 * config through a real `pairec serve`, each page checked against an answer computed here
 * without the engine — brute-force inner products, onnxruntime-node run directly on the
 * two-input model, and the category rule applied by a plain greedy pass.
 */
describe('examples/own-data: generated catalog and two-input ranker served by the example config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-own-data-'));
  const data = writeOwnData(join(dir, 'data'));
  const model = join(dir, 'data', 'ranker.onnx');
  let server: ServerProcess | undefined;
  let session: ort.InferenceSession | undefined;

  before(async () => {
    // The example's ModelPath is relative to the repository root (where `npm start` runs);
    // the copy next to the generated files names the generated model.
    const example = fileURLToPath(new URL('../../../examples/own-data/config.json', import.meta.url));
    const config = JSON.parse(readFileSync(example, 'utf8')) as { AlgoConfs: { Name: string; OnnxConf?: { ModelPath: string } }[] };
    for (const algo of config.AlgoConfs) if (algo.OnnxConf) algo.OnnxConf.ModelPath = model;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    session = await ort.InferenceSession.create(model);
    server = await ServerProcess.start(join(dir, 'config.json'), ['--workers', '1'], dir);
    await server.waitReady(30_000);
  });
  after(async () => {
    if (server && server.proc.exitCode === null) await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const recommend = async (uid: string, from = server): Promise<Page> => {
    const res = await (from as ServerProcess).post('/api/recommend', JSON.stringify({ uid, scene_id: 'home', size: SIZE }));
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Page;
  };

  /** The model's scores for one user and these items, from onnxruntime directly. */
  const modelScores = async (user: readonly number[], items: readonly OwnItem[]): Promise<number[]> => {
    const d = user.length;
    const u = new Float32Array(items.length * d);
    const it = new Float32Array(items.length * d);
    items.forEach((item, r) => {
      u.set(user, r * d);
      it.set(item.embedding, r * d);
    });
    const out = await (session as ort.InferenceSession).run({
      user: new ort.Tensor('float32', u, [items.length, d]),
      item: new ort.Tensor('float32', it, [items.length, d]),
    });
    return Array.from(out.score?.data as Float32Array);
  };

  /** At most one item of a category in any 3 consecutive; when none fits, the rest in order. */
  const diversify = (ranked: readonly { item: OwnItem; score: number }[]): typeof ranked => {
    const rest = [...ranked];
    const out: { item: OwnItem; score: number }[] = [];
    while (rest.length > 0) {
      const recent = out.slice(-2).map((r) => r.item.category);
      const j = rest.findIndex((r) => !recent.includes(r.item.category));
      if (j < 0) return [...out, ...rest];
      out.push(...rest.splice(j, 1));
    }
    return out;
  };

  it('a known user gets the on-shelf brute-force top candidates, scored by the model, diversified by category', async () => {
    const byId = new Map(data.items.map((i) => [i.id, i]));
    for (const user of data.users.slice(0, 5)) {
      const dot = (v: readonly number[]): number => v.reduce((s, x, k) => s + x * (user.embedding[k] ?? 0), 0);
      const recalled = data.items
        .map((item) => ({ item, sim: dot(item.embedding) }))
        .sort((a, b) => b.sim - a.sim)
        .slice(0, RECALL)
        .map((r) => r.item)
        .filter((i) => i.status === 'on_shelf');
      const scores = await modelScores(user.embedding, recalled);
      const ranked = recalled.map((item, k) => ({ item, score: scores[k] ?? NaN })).sort((a, b) => b.score - a.score);
      const expected = diversify(ranked).slice(0, SIZE);

      const page = await recommend(user.id);
      assert.equal(page.items.length, SIZE, user.id);
      for (const c of page.items) {
        assert.equal(byId.get(c.item_id)?.status, 'on_shelf', `${user.id}: ${c.item_id} is off shelf`);
        assert.equal(c.retrieve_id, 'vector_recall');
      }
      assert.deepEqual(
        page.items.map((c) => c.item_id),
        expected.map((e) => e.item.id),
        user.id,
      );
      page.items.forEach((c, k) => assert.ok(Math.abs(c.score - (expected[k]?.score ?? NaN)) < 1e-5, `${user.id} ${c.item_id}: ${c.score}`));
    }
  });

  it('a uid no store knows gets `size` popular on-shelf items from the back-fill', async () => {
    const page = await recommend('nobody-knows-me');
    assert.equal(page.items.length, SIZE);
    const popular = data.items
      .filter((i) => i.status === 'on_shelf')
      .map((i) => i.popularity)
      .sort((a, b) => b - a)
      .slice(0, SIZE);
    const byId = new Map(data.items.map((i) => [i.id, i]));
    for (const c of page.items) {
      assert.equal(c.retrieve_id, 'hot_recall');
      assert.equal(byId.get(c.item_id)?.status, 'on_shelf');
      assert.equal(c.score, byId.get(c.item_id)?.popularity);
    }
    assert.deepEqual(
      page.items.map((c) => c.score),
      popular,
    );
  });

  it('the Parquet files serve the same pages as the JSON Lines ones', async () => {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { CatalogConf: { Items: { Path: string }; Users: { Path: string } } };
    config.CatalogConf.Items.Path = 'data/items.parquet';
    config.CatalogConf.Users.Path = 'data/users.parquet';
    writeFileSync(join(dir, 'config-parquet.json'), JSON.stringify(config));
    const parquet = await ServerProcess.start(join(dir, 'config-parquet.json'), ['--workers', '1'], dir);
    try {
      await parquet.waitReady(30_000);
      for (const uid of ['u-0001', 'u-0002', 'u-0003', 'nobody-knows-me']) {
        assert.deepEqual((await recommend(uid, parquet)).items, (await recommend(uid)).items, uid);
      }
    } finally {
      await parquet.stop('SIGKILL');
    }
  });
});
