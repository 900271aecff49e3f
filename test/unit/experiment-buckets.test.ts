import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bucketOf, parseBuckets } from '../../src/experiment/buckets.js';
import { compileLayout, matchLayer, requestFields } from '../../src/experiment/layout.js';
import type { LayoutProblem } from '../../src/experiment/layout.js';
import { createRng } from '../../src/catalog/random.js';
import type { ABTestConf } from '../../src/config/experiment-schema.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';

const N = 100_000;
/** 100,000 distinct random uids, the same on every run. */
const UIDS: readonly string[] = (() => {
  const rng = createRng(20);
  return Array.from({ length: N }, (_, i) => `${Math.floor(rng.next() * 2 ** 40).toString(36)}_${i}`);
})();

const request = (uid: string, features: Record<string, string> = {}): RecommendRequest => ({
  requestId: 'r',
  uid,
  size: 10,
  sceneId: 'home',
  category: 'default',
  features,
  debug: false,
});

describe('experiment bucketing', () => {
  it('is stable: a uid keeps its bucket in a layer, run after run, and the hash is the documented MD5', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1, maxLength: 20 }), fc.integer({ min: 2, max: 10000 }), (uid, salt, n) => {
        const b = bucketOf(salt, uid, n);
        assert.ok(b >= 0 && b < n);
        assert.equal(bucketOf(salt, uid, n), b);
      }),
    );
    // md5("L1:42") = f01801cd…: 0xf01801cd % 100 — an analyst's SQL gets the same bucket.
    assert.equal(bucketOf('L1', '42', 100), 0xf01801cd % 100);
  });

  it('is uniform: each tenth of the buckets gets 10 % ± 2 % of 100,000 uids, and the buckets pass a χ² test', () => {
    const counts = new Array<number>(100).fill(0);
    for (const uid of UIDS) counts[bucketOf('L1', uid, 100)]! += 1;
    for (let d = 0; d < 10; d++) {
      const share = counts.slice(d * 10, d * 10 + 10).reduce((a, b) => a + b, 0) / N;
      assert.ok(Math.abs(share - 0.1) <= 0.1 * 0.02, `buckets ${d * 10}-${d * 10 + 9}: ${share}`);
    }
    // 99 degrees of freedom: above 148.2 has probability 0.001 for a uniform hash.
    const chi2 = counts.reduce((s, c) => s + (c - N / 100) ** 2 / (N / 100), 0);
    assert.ok(chi2 < 148.2, `χ² ${chi2}`);
  });

  it('splits 50/50 within ±2 % whatever the layer salt', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 16 }), (salt) => {
        let a = 0;
        for (let i = 0; i < 20_000; i++) if (bucketOf(salt, UIDS[i] as string, 100) < 50) a++;
        assert.ok(Math.abs(a / 20_000 - 0.5) <= 0.5 * 0.02, `${salt}: ${a / 20_000}`);
      }),
      { numRuns: 8 },
    );
  });

  it('is independent across layers: bucket correlation near 0, and an arm of one layer splits evenly in the other', () => {
    let sx = 0,
      sy = 0,
      sxy = 0,
      sxx = 0,
      syy = 0;
    const joint = [0, 0, 0, 0];
    for (const uid of UIDS) {
      const x = bucketOf('L1', uid, 100);
      const y = bucketOf('L2', uid, 100);
      sx += x;
      sy += y;
      sxy += x * y;
      sxx += x * x;
      syy += y * y;
      joint[(x < 50 ? 0 : 2) + (y < 50 ? 0 : 1)]! += 1;
    }
    const r = (sxy / N - (sx / N) * (sy / N)) / Math.sqrt((sxx / N - (sx / N) ** 2) * (syy / N - (sy / N) ** 2));
    assert.ok(Math.abs(r) < 0.01, `correlation ${r}`);
    // P(layer 2 arm A | layer 1 arm A) = P(layer 2 arm A) = 0.5, within ±2 %.
    const [aa, ab, ba, bb] = joint as [number, number, number, number];
    assert.ok(Math.abs(aa / (aa + ab) - 0.5) <= 0.01, `${aa / (aa + ab)}`);
    assert.ok(Math.abs(ba / (ba + bb) - 0.5) <= 0.01, `${ba / (ba + bb)}`);
  });

  it('parses bucket lists with inclusive ranges, and refuses ranges out of order or out of range', () => {
    assert.deepEqual(parseBuckets('0-2,5', 10), { buckets: [0, 1, 2, 5] });
    assert.match((parseBuckets('5-2', 10) as { problem: string }).problem, /ends before it starts/);
    assert.match((parseBuckets('0-100', 100) as { problem: string }).problem, /out of range/);
  });
});

/** A layer of random experiments (buckets, debug users, groups) over 20 buckets. */
const layerConf = fc.record({
  groups: fc.array(
    fc.record({
      filter: fc.option(fc.constantFrom('features.os == "ios"', 'features.os != "ios"', 'uid != "0"'), { nil: undefined }),
      experiments: fc.array(
        fc.record({
          ranges: fc.array(fc.tuple(fc.nat(19), fc.nat(5)), { minLength: 1, maxLength: 3 }),
          debug: fc.array(fc.constantFrom('d1', 'd2', 'd3'), { maxLength: 2 }),
          stopped: fc.boolean(),
        }),
        { maxLength: 4 },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

describe('experiment layers', () => {
  it('never put a uid in two experiments of one layer: overlaps and shared debug users are refused at load with their path', () => {
    let id = 1;
    fc.assert(
      fc.property(layerConf, fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 50 }), (layer, uids) => {
        const conf: ABTestConf = {
          Enabled: true,
          ExpRoomId: 1,
          BucketCount: 20,
          Layers: [
            {
              LayerId: 1,
              HashField: 'uid',
              ExperimentGroups: layer.groups.map((g) => ({
                ExpGroupId: id++,
                Params: {},
                ...(g.filter ? { Filter: g.filter } : {}),
                Experiments: g.experiments.map((e) => ({
                  ExperimentId: id++,
                  Params: {},
                  Status: e.stopped ? ('stopped' as const) : ('running' as const),
                  DebugUsers: [...new Set(e.debug)],
                  Buckets: e.ranges.map(([a, n]) => `${a}-${Math.min(19, a + n)}`).join(','),
                })),
              })),
            },
          ],
        };
        const problems: LayoutProblem[] = [];
        const [compiled] = compileLayout(conf, problems);
        // What the layout must refuse: a bucket of two experiments of a group, a debug uid of two experiments.
        const overlap = conf.Layers[0]!.ExperimentGroups.some((g) => {
          const seen = new Set<number>();
          return g.Experiments.some((e) => {
            const bs = new Set((parseBuckets(e.Buckets, 20) as { buckets: number[] }).buckets);
            const hit = [...bs].some((b) => seen.has(b));
            bs.forEach((b) => seen.add(b));
            return hit;
          });
        });
        const debugTwice = (() => {
          const all = conf.Layers[0]!.ExperimentGroups.flatMap((g) => g.Experiments.flatMap((e) => e.DebugUsers));
          return new Set(all).size !== all.length;
        })();
        if (overlap || debugTwice) {
          assert.ok(problems.length > 0, 'the overlap is refused');
          for (const p of problems) assert.match(p.path, /^\$\.ABTestConf\.Layers\[0\]\.ExperimentGroups\[\d+\]\.Experiments\[\d+\]\.(Buckets|DebugUsers)$/);
          return;
        }
        assert.deepEqual(problems, []);
        for (const uid of [...uids, 'd1', 'd2', 'd3']) {
          for (const os of ['ios', 'android']) {
            const req = request(uid, { os });
            const o = matchLayer(compiled!, req, requestFields(req), 20);
            // The one experiment matched, if any, is a running one whose buckets (or debug list) hold the uid.
            if (o.experiment < 0) continue;
            const group = conf.Layers[0]!.ExperimentGroups[o.group]!;
            const running = group.Experiments.filter((e) => e.Status === 'running');
            const exp = running[o.experiment]!;
            const inBuckets = (parseBuckets(exp.Buckets, 20) as { buckets: number[] }).buckets.includes(bucketOf('L1', uid, 20));
            assert.ok(inBuckets || exp.DebugUsers.includes(uid));
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
