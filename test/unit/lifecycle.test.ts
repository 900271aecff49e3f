import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import type { RecommendHandle } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { LookupAlgorithm } from '../../src/algorithm/lookup/lookup.js';
import { PairecError } from '../../src/errors.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { probeType } from '../helpers/probe-type.js';
import type { ProbeLog } from '../helpers/probe-type.js';
import { TimingBaseline } from '../helpers/timing-baseline.js';

const request: RecommendRequest = {
  requestId: 'r',
  uid: '1',
  size: 5,
  sceneId: 'default_scene',
  category: 'default',
  features: {},
  debug: false,
};

function config(value: number, timeoutMs: number): Record<string, unknown> {
  return {
    CatalogConf: { Demo: { Items: 50, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
    AlgoConfs: [{ Name: 'slow', Type: 'PROBE', ProbeConf: { Value: value } }],
    RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
    SceneConfs: { default_scene: { default: { RecallNames: ['hot'] } } },
    RankConf: { default_scene: { RankAlgoList: ['slow'] } },
    performance: { request_timeout_ms: timeoutMs },
  };
}

function setup(): { engine: Engine; log: ProbeLog } {
  const log: ProbeLog = { events: [], gate: undefined };
  const registry = createDefaultRegistry();
  registry.registerType(probeType(log));
  return { engine: new Engine({ registry, metrics: testMetrics(), logger: silentLogger }), log };
}

const flush = () => new Promise((r) => setImmediate(r));
const isCode = (code: string) => (e: unknown) => e instanceof PairecError && e.code === code;

describe('request and reload lifecycle', () => {
  it('answers at the deadline but keeps the algorithm open until the late run ends, across a reload', async () => {
    const { engine, log } = setup();
    await engine.reload(config(1, 40));
    let open!: () => void;
    log.gate = new Promise((r) => (open = r));
    const base = await TimingBaseline.measure({ maxSlackMs: 900 });
    const started = Date.now();
    await assert.rejects(recommend(engine, request), isCode('ERR_DEADLINE_EXCEEDED'));
    const waited = Date.now() - started;
    assert.ok(waited >= 35, `answered at the deadline, not before (${waited} ms)`);
    await base.assertWithin(waited, 40, 'answered at the 40 ms deadline');
    await engine.reload(config(2, 40)); // replaces "slow" while its late run still holds the old instance
    await flush();
    assert.ok(!log.events.includes('close slow#1'), 'not closed under a run in flight');
    log.gate = undefined;
    open();
    await flush();
    await flush();
    assert.ok(log.events.includes('close slow#1'), 'closed once the late run has ended');
    const ok = await recommend(engine, request);
    assert.ok(ok.items.every((i) => i.score === 2));
    await engine.close();
  });

  it('aborts the request’s signal when the caller cancels it', async () => {
    const { engine, log } = setup();
    await engine.reload(config(1, 5000));
    log.gate = new Promise(() => undefined); // never opens: only the abort can end the run
    log.observeAbort = true;
    const caller: RecommendHandle = {};
    const run = recommend(engine, request, caller);
    assert.equal(typeof caller.cancel, 'function', 'cancellable while it runs');
    setTimeout(() => caller.cancel?.(), 20);
    await assert.rejects(run, isCode('ERR_CALLER_GONE'));
    assert.equal(caller.cancel, undefined, 'nothing to cancel once it has ended');
    log.gate = undefined;
    await engine.close(); // resolves: the aborted run released its lease
  });

  it('keeps an instance registered in code while a reload is building', async () => {
    const { engine, log } = setup();
    await engine.reload(config(1, 1000));
    let open!: () => void;
    const slowBuild = new Promise<void>((r) => (open = r));
    // A type whose build waits, so registration happens mid-reload.
    engine.registry.registerType({
      ...probeType(log),
      type: 'SLOWBUILD',
      create: async (name, conf) => {
        await slowBuild;
        return probeType(log).create(name, conf, undefined as never);
      },
    });
    const next = config(1, 1000);
    (next.AlgoConfs as unknown[]).push({ Name: 'later', Type: 'SLOWBUILD', ProbeConf: { Value: 3 } });
    const reloading = engine.reload(next);
    await flush();
    engine.registerAlgorithm(new LookupAlgorithm('custom', { FieldName: 'x', DefaultScore: 0.5 }, () => undefined));
    open();
    await reloading;
    const out = await engine
      .current()
      ?.algorithms.get('custom', 'score')
      .run(
        { items: [{ x: 9 }] },
        {
          deadline: performance.now() + 1000,
          signal: new AbortController().signal,
        },
      );
    assert.equal(out?.[0]?.score, 9, 'the instance registered during the reload is served, open');
    await engine.close();
  });

  it('refuses a lease on a replaced set instead of closing what the live set uses', async () => {
    const { engine } = setup();
    await engine.reload(config(1, 1000));
    const old = engine.current()?.algorithms;
    await engine.reload(config(2, 1000));
    assert.throws(() => old?.acquire(), isCode('ERR_NOT_READY'));
    const ok = await recommend(engine, request);
    assert.ok(ok.items.length > 0);
    await engine.close();
  });
});
