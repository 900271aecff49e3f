import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlgorithmFactory } from '../../src/algorithm/factory.js';
import { AlgorithmRegistry } from '../../src/algorithm/registry.js';
import { lookupType } from '../../src/algorithm/lookup/index.js';
import { LookupAlgorithm } from '../../src/algorithm/lookup/lookup.js';
import type { AlgoConf } from '../../src/config/schema.js';
import { PairecError } from '../../src/errors.js';
import { buildDeps, runContext, silentLogger, testMetrics } from '../helpers/context.js';
import { probeType } from '../helpers/probe-type.js';
import type { ProbeLog } from '../helpers/probe-type.js';

function setup(): { factory: AlgorithmFactory; log: ProbeLog; registry: AlgorithmRegistry; metrics: ReturnType<typeof testMetrics> } {
  const log: ProbeLog = { events: [], gate: undefined };
  const registry = new AlgorithmRegistry();
  registry.registerType(probeType(log));
  registry.registerType(lookupType);
  const metrics = testMetrics();
  return { factory: new AlgorithmFactory({ registry, metrics, logger: silentLogger }), log, registry, metrics };
}

const probe = (name: string, value: number, fail = false): AlgoConf => ({ Name: name, Type: 'PROBE', ProbeConf: { Value: value, Fail: fail } }) as AlgoConf;

async function apply(factory: AlgorithmFactory, confs: AlgoConf[]) {
  const pending = await factory.prepare(confs, buildDeps(), '');
  pending.commit();
  return pending.report;
}

async function score(factory: AlgorithmFactory, name: string): Promise<number | undefined> {
  const out = await factory
    .current()
    .get(name, 'score')
    .run({ items: [{}] }, runContext());
  return out[0]?.score;
}

const flush = () => new Promise((r) => setImmediate(r));

describe('algorithm factory', () => {
  it('builds the config’s algorithms and reports them', async () => {
    const { factory } = setup();
    const report = await apply(factory, [probe('a', 1), probe('b', 2)]);
    assert.deepEqual([...report.built].sort(), ['a', 'b']);
    assert.equal(await score(factory, 'a'), 1);
    assert.equal(await score(factory, 'b'), 2);
  });

  it('rebuilds only the algorithm whose config changed, and closes the replaced one', async () => {
    const { factory, log } = setup();
    await apply(factory, [probe('a', 1), probe('b', 2)]);
    log.events.length = 0;
    const report = await apply(factory, [probe('a', 1), probe('b', 3)]);
    assert.deepEqual(report.built, ['b']);
    assert.deepEqual(report.kept, ['a']);
    await flush();
    assert.deepEqual(log.events, ['build b#3', 'close b#2']);
    assert.equal(await score(factory, 'b'), 3);
  });

  it('closes removed algorithms and reports them', async () => {
    const { factory, log } = setup();
    await apply(factory, [probe('a', 1), probe('b', 2)]);
    const report = await apply(factory, [probe('a', 1)]);
    assert.deepEqual(report.removed, ['b']);
    await flush();
    assert.ok(log.events.includes('close b#2'));
    assert.throws(
      () => factory.current().get('b', 'score'),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_UNKNOWN_ALGORITHM',
    );
  });

  it('keeps the old instance serving when a build fails, counts and reports it', async () => {
    const { factory, log, metrics } = setup();
    await apply(factory, [probe('a', 1), probe('b', 2)]);
    await assert.rejects(
      factory.prepare([probe('a', 5), probe('b', 2, true)], buildDeps(), ''),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_ALGORITHM_BUILD' && /\bb\b/.test(e.message),
    );
    await flush();
    assert.equal(await score(factory, 'a'), 1, 'the whole reload is rejected: a keeps its old instance');
    assert.equal(await score(factory, 'b'), 2);
    assert.ok(log.events.includes('close a#3'), 'the instance built for the rejected reload is closed');
    assert.match(await metrics.registry.metrics(), /pairec_algorithm_build_failures_total\{algorithm_name="b",algorithm_type="PROBE"\} 1/);
  });

  it('lets runs in flight during a swap finish on the old instance, then closes it', async () => {
    const { factory, log } = setup();
    await apply(factory, [probe('a', 1)]);
    let open!: () => void;
    log.gate = new Promise((r) => (open = r));
    const set = factory.current();
    const release = set.acquire();
    const inflight = Array.from({ length: 5 }, () => set.get('a', 'score').run({ items: [{}] }, runContext()));
    await apply(factory, [probe('a', 9)]);
    await flush();
    assert.ok(!log.events.includes('close a#1'), 'not closed while leased');
    log.gate = undefined;
    open();
    const results = await Promise.all(inflight);
    assert.deepEqual(
      results.map((r) => r[0]?.score),
      [1, 1, 1, 1, 1],
      'in-flight runs answer from the old instance',
    );
    release();
    await flush();
    assert.ok(log.events.includes('close a#1'), 'closed once the last lease is released');
    assert.equal(await score(factory, 'a'), 9);
  });

  it('answers an unknown name or the wrong kind with a typed error', async () => {
    const { factory } = setup();
    await apply(factory, [probe('a', 1)]);
    assert.throws(
      () => factory.current().get('zzz', 'score'),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_UNKNOWN_ALGORITHM',
    );
    assert.throws(
      () => factory.current().get('a', 'retrieval'),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_ALGORITHM_KIND',
    );
  });

  it('serves instances registered in code across reloads (RegisterAlgorithm)', async () => {
    const { factory } = setup();
    factory.registerInstance(new LookupAlgorithm('custom', { FieldName: 'x', DefaultScore: 0.5 }, () => undefined));
    await apply(factory, [probe('a', 1)]);
    const out = await factory
      .current()
      .get('custom', 'score')
      .run({ items: [{ x: 4 }] }, runContext());
    assert.equal(out[0]?.score, 4);
    assert.throws(
      () => factory.registerInstance(new LookupAlgorithm('custom', { FieldName: 'x', DefaultScore: 0.5 }, () => undefined)),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_DUPLICATE_REGISTRATION',
    );
    await assert.rejects(factory.prepare([probe('custom', 1)], buildDeps(), ''), /registered in code/);
  });

  it('applies a request transformer registered for an algorithm (RegistRequestDataFunc)', async () => {
    const { factory, registry } = setup();
    factory.registerInstance(new LookupAlgorithm('l', { FieldName: 'x', DefaultScore: 0.5 }, () => undefined));
    registry.registerRequestTransformer('l', 'score', (input) => ({ items: input.items.map((i) => ({ ...i, x: 7 })) }));
    const out = await factory
      .current()
      .get('l', 'score')
      .run({ items: [{ x: 1 }] }, runContext());
    assert.equal(out[0]?.score, 7);
    registry.unregisterRequestTransformer('l');
    const again = await factory
      .current()
      .get('l', 'score')
      .run({ items: [{ x: 1 }] }, runContext());
    assert.equal(again[0]?.score, 1);
  });

  it('wraps an algorithm with BatchConf so concurrent runs share backend calls', async () => {
    const { factory, log } = setup();
    const conf = { ...probe('a', 4), BatchConf: { BatchSize: 100, BatchTimeoutMs: 5, MaxQueue: 10 } } as AlgoConf;
    await apply(factory, [conf]);
    const algo = factory.current().get('a', 'score');
    const out = await Promise.all([1, 2, 3].map((n) => algo.run({ items: Array.from({ length: n }, () => ({})) }, runContext())));
    assert.deepEqual(
      out.map((o) => o.length),
      [1, 2, 3],
    );
    assert.deepEqual(
      log.events.filter((e) => e.startsWith('run ')),
      ['run a#1 6'],
      'one backend call of 6 items',
    );
  });

  it('records the spec’s three metrics for every run', async () => {
    const { factory, metrics } = setup();
    await apply(factory, [probe('a', 1)]);
    await factory
      .current()
      .get('a', 'score')
      .run({ items: [{}, {}, {}] }, runContext());
    const text = await metrics.registry.metrics();
    assert.match(text, /pairec_algorithm_duration_seconds_bucket\{le="0.001",algorithm_name="a",algorithm_type="PROBE"\} 1/);
    assert.match(text, /pairec_algorithm_requests_total\{algorithm_name="a",algorithm_type="PROBE",status="success"\} 1/);
    assert.match(text, /pairec_algorithm_input_size_bucket\{le="4",algorithm_name="a"\} 1/);
    assert.match(text, /pairec_algorithm_input_size_bucket\{le="2",algorithm_name="a"\} 0/);
  });

  it('property: after any sequence of good and failing reloads, the last good config serves and every replaced instance is closed once', async () => {
    const step = fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'c'), value: fc.integer({ min: 0, max: 3 }), fail: fc.boolean() }), {
      maxLength: 3,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const { factory, log } = setup();
        let serving = new Map<string, number>();
        for (const s of steps) {
          const confs = new Map(s.map((c) => [c.name, c])); // last entry of a name wins: names stay unique
          const list = [...confs.values()].map((c) => probe(c.name, c.value, c.fail));
          try {
            await apply(factory, list);
            serving = new Map([...confs.values()].map((c) => [c.name, c.value]));
          } catch {
            assert.ok(
              [...confs.values()].some((c) => c.fail),
              'only a failing build rejects',
            );
          }
          for (const [name, value] of serving) assert.equal(await score(factory, name), value);
          assert.equal(factory.current().entries().length, serving.size);
        }
        await factory.close();
        await flush();
        const built = log.events.filter((e) => e.startsWith('build ')).map((e) => e.slice(6));
        const closed = log.events.filter((e) => e.startsWith('close ')).map((e) => e.slice(6));
        assert.deepEqual([...closed].sort(), [...built].sort(), 'every instance built is closed exactly once');
      }),
      { numRuns: 100 },
    );
  });
});
