import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { BoundHistogram } from '../../src/observability/bound-histogram.js';

const LABEL_SETS = [
  ['scene_a', 'recall'],
  ['scene_a', 'rank'],
  ['scene_b', 'recall'],
  ['x"y\\z', 'sort'],
] as const;
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Op = { kind: 'observe'; set: number; value: number } | { kind: 'remove'; set: number } | { kind: 'reset' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('observe' as const),
      set: fc.nat(LABEL_SETS.length - 1),
      value: fc.oneof(fc.constantFrom(...BUCKETS, 0, -1, 11), fc.double({ min: -1, max: 20, noNaN: true })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), set: fc.nat(LABEL_SETS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const) }) },
);

function pair(): { reference: Registry; bound: Registry; apply(op: Op): void } {
  const reference = new Registry();
  const bound = new Registry();
  const conf = { name: 'pairec_test_duration_seconds', help: 'test', labelNames: ['scene', 'stage'] as const, buckets: BUCKETS };
  const ref = new Histogram({ ...conf, labelNames: [...conf.labelNames], registers: [reference] });
  const ours = new BoundHistogram({ ...conf, registers: [bound] });
  // Children bound once and kept across remove and reset, as the engine keeps them.
  const refChildren = LABEL_SETS.map((l) => ref.labels(...l));
  const ourChildren = LABEL_SETS.map((l) => ours.labels(...l));
  return {
    reference,
    bound,
    apply(op) {
      if (op.kind === 'observe') {
        refChildren[op.set]?.observe(op.value);
        ourChildren[op.set]?.observe(op.value);
      } else if (op.kind === 'remove') {
        const [scene, stage] = LABEL_SETS[op.set] ?? ['', ''];
        ref.remove({ scene, stage });
        ours.remove({ scene, stage });
      } else {
        ref.reset();
        ours.reset();
      }
    },
  };
}

describe('BoundHistogram', () => {
  it('property: exposes exactly what prom-client’s Histogram exposes for the same observations, removals and resets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        const { reference, bound, apply } = pair();
        for (const op of ops) apply(op);
        assert.equal(await bound.metrics(), await reference.metrics());
        // The JSON the cluster aggregator reads from each worker.
        assert.deepEqual(await bound.getMetricsAsJSON(), await reference.getMetricsAsJSON());
      }),
      { numRuns: 300 },
    );
  });

  it('has no series before the first observation, and refuses a non-finite value or a wrong label count', async () => {
    const registry = new Registry();
    const h = new BoundHistogram({ name: 'pairec_test_seconds', help: 'test', labelNames: ['a'], buckets: [1], registers: [registry] });
    const child = h.labels('x');
    assert.doesNotMatch(await registry.metrics(), /pairec_test_seconds_count/);
    assert.throws(() => child.observe(Number.NaN), TypeError);
    assert.throws(() => h.labels('x', 'y'), /1 label|2 label values/);
    child.observe(0.5);
    assert.match(await registry.metrics(), /pairec_test_seconds_bucket\{le="1",a="x"\} 1\n/);
  });
});
