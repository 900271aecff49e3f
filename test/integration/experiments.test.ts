import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerProcess } from '../helpers/server-process.js';
import { bucketOf } from '../../src/experiment/buckets.js';

interface Body {
  experiment_id: string;
  items: { item_id: string; score: number }[];
  debug?: { experiment_id: string; stages: { stage: string; out: number }[] };
}

/**
 * examples/experiments.json on a real server (its catalog shrunk to 2,000 items so the
 * test starts in seconds): layer 1 tests rank model A (demo_mlp) against B (popularity),
 * layer 2 vector_recall's RecallCount 300 against 100.
 */
describe('examples/experiments.json: a two-layer A/B test on the default demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-exp-'));
  const example = JSON.parse(readFileSync(fileURLToPath(new URL('../../../examples/experiments.json', import.meta.url)), 'utf8')) as Record<string, unknown> & {
    CatalogConf: { Demo: Record<string, number>; CacheDir: string };
    AlgoConfs: { OnnxConf?: { ModelPath: string } }[];
    ABTestConf: { Layers: { ExperimentGroups: { Experiments: unknown[] }[] }[] };
  };
  example.CatalogConf.Demo = { ...example.CatalogConf.Demo, Items: 2000, Users: 200, Clusters: 40 };
  example.CatalogConf.CacheDir = join(dir, 'cache');
  for (const a of example.AlgoConfs) if (a.OnnxConf) a.OnnxConf.ModelPath = fileURLToPath(new URL(`../../../${a.OnnxConf.ModelPath}`, import.meta.url));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(example));
  let server: ServerProcess | undefined;
  after(async () => {
    if (server && server.proc.exitCode === null) await server.stop('SIGKILL');
  });

  /** A uid per arm pair: the layer salts are "L1" and "L2" (their defaults). */
  const arm = (uid: string, layer: number): 'A' | 'B' => (bucketOf(`L${layer}`, uid, 100) < 50 ? 'A' : 'B');
  const uidFor = (l1: 'A' | 'B', l2: 'A' | 'B', skip = 0): string => {
    for (let i = 1, found = 0; ; i++) {
      const uid = String(i);
      if (arm(uid, 1) === l1 && arm(uid, 2) === l2 && found++ === skip) return uid;
    }
  };
  const idOf = (l1: 'A' | 'B', l2: 'A' | 'B'): string => `ER1_L1#EG1#E${l1 === 'A' ? 1 : 2}_L2#EG2#E${l2 === 'A' ? 3 : 4}`;
  const ask = async (uid: string, scene = 'default_scene'): Promise<Body> => {
    const res = await server!.post('/api/recommend', JSON.stringify({ uid, size: 10, scene_id: scene, debug: true }));
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Body;
  };

  it('tags responses, logs and metrics with the arms, serves what the parameters say, and a reload moves a removed arm to the base', async () => {
    server = await ServerProcess.start(configPath, [], dir);
    await server.waitReady(60_000);
    const arms = (['A', 'B'] as const).flatMap((l1) => (['A', 'B'] as const).map((l2) => ({ l1, l2, uid: uidFor(l1, l2) })));
    const before = new Map<string, Body>();
    for (const a of arms) {
      const body = await ask(a.uid);
      before.set(a.uid, body);
      assert.equal(body.experiment_id, idOf(a.l1, a.l2), `uid ${a.uid}`);
      assert.equal(body.debug?.experiment_id, body.experiment_id);
      // Layer 2: vector_recall's RecallCount is 300 in arm A, 100 in arm B.
      const recall = body.debug?.stages.find((s) => s.stage === 'recall');
      assert.equal(recall?.out, a.l2 === 'A' ? 300 : 100, `recall of ${a.uid} (${body.experiment_id}): ${JSON.stringify(body.debug)}`);
      assert.equal(body.items.length, 10);
    }
    // A scene no layer applies to has no experiment.
    assert.equal((await ask('1', 'hot_scene')).experiment_id, '');
    // The per-request log line carries the id.
    const logged = await server.waitFor((l) => l.msg === 'recommend' && l.experiment_id === idOf('B', 'B'));
    assert.equal(logged.scene, 'default_scene');
    // Callbacks send the id back: counted per arm; an id that is not configured counts as "".
    const a = arms[0]!;
    for (const experiment_id of [idOf(a.l1, a.l2), 'made-up']) {
      const cb = await server.post('/api/callback', JSON.stringify({ uid: 'cb', experiment_id, item_list: [{ item_id: '1' }, { item_id: '2' }] }));
      assert.equal(cb.status, 200);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    for (const x of arms) {
      const id = idOf(x.l1, x.l2);
      assert.match(
        metrics,
        new RegExp(`pairec_experiment_request_duration_seconds_count\\{scene="default_scene",experiment_id="${id}",code="2xx"\\} 1\\n`),
        id,
      );
      assert.match(metrics, new RegExp(`pairec_experiment_items_total\\{scene="default_scene",experiment_id="${id}"\\} 10\\n`), id);
    }
    assert.match(metrics, new RegExp(`pairec_experiment_exposures_total\\{experiment_id="${idOf(a.l1, a.l2)}"\\} 2\\n`));
    assert.match(metrics, /pairec_experiment_exposures_total\{experiment_id=""\} 2\n/);
    assert.doesNotMatch(metrics, /made-up/);

    // Remove experiment 2 (rank B) while requests run: its traffic goes to layer 1's base, no request fails.
    const layer1 = example.ABTestConf.Layers[0]!.ExperimentGroups[0]!;
    layer1.Experiments = layer1.Experiments.slice(0, 1);
    writeFileSync(`${configPath}.new`, JSON.stringify(example));
    const mark = server.lines.length;
    let reloaded = false;
    const statuses: number[] = [];
    const load = (async () => {
      for (let i = 0; !reloaded || i < 20; i++) {
        const res = await server!.post('/api/recommend', JSON.stringify({ uid: String(1 + (i % 50)), size: 10 }));
        statuses.push(res.status);
        await res.arrayBuffer();
      }
    })();
    renameSync(`${configPath}.new`, configPath);
    server.proc.kill('SIGHUP');
    await server.waitFor((l) => l.msg === 'config reloaded' && server!.lines.indexOf(l) >= mark, 30_000);
    reloaded = true;
    await load;
    assert.ok(statuses.length >= 20);
    assert.deepEqual([...new Set(statuses)], [200]);
    for (const x of arms) {
      const body = await ask(x.uid);
      const l1 = x.l1 === 'A' ? '#E1' : '';
      assert.equal(body.experiment_id, `ER1_L1#EG1${l1}_L2#EG2#E${x.l2 === 'A' ? 3 : 4}`);
      const same = JSON.stringify(body.items) === JSON.stringify(before.get(x.uid)?.items);
      // Rank A was the scene's own model: unchanged. Rank B's users now get the base ranking: other items or order.
      assert.equal(same, x.l1 === 'A', `uid ${x.uid} in rank ${x.l1}`);
    }
    assert.equal(await server.stop('SIGTERM'), 0);
  });
});
