import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SharedUserLoader } from '../../src/features/shared-user-load.js';
import { loadFeatures, startUserFeatures } from '../../src/pipeline/features.js';
import type { FaultSink, FeatureLoader } from '../../src/features/file-features.js';
import type { LoadedFeatures } from '../../src/features/redis-features.js';
import type { QueryScope } from '../../src/store/sql-client.js';
import type { Candidate } from '../../src/pipeline/context.js';
import { stageContext } from '../helpers/pipeline.js';

/** A loader answering `{ n: <call number> }` per id after `ms`, reporting one fault per call; counts its calls. */
class CountingLoader implements FeatureLoader {
  calls = 0;
  constructor(
    readonly store: 'user' | 'item',
    readonly ms: number,
    readonly value: (call: number, id: string) => LoadedFeatures = (call) => ({ n: call }),
  ) {}

  async load(ids: readonly string[], faults?: FaultSink, scope?: QueryScope): Promise<LoadedFeatures[]> {
    const call = ++this.calls;
    await sleep(this.ms);
    faults?.(ids[0] ?? '', { feature: 'v', reason: 'wrong_length', detail: `call ${call}` });
    // An aborted read answers the defaults, as the stores do.
    if (scope?.signal?.aborted === true) return ids.map(() => ({ n: -1 }));
    return ids.map((id) => this.value(call, id));
  }
}

describe('SharedUserLoader: a user load in flight is awaited, not repeated', () => {
  it('a second load of the same uid while the first runs gets its result and its faults; later loads and other uids read again', async () => {
    const inner = new CountingLoader('user', 30);
    const shared = new SharedUserLoader(inner);
    const seen: string[] = [];
    const first = shared.load(['u1'], (_, f) => seen.push(`lead ${f.detail}`));
    const joined = shared.load(['u1'], (_, f) => seen.push(`join ${f.detail}`));
    const other = shared.load(['u2']);
    assert.equal(shared.inFlight, 2);
    assert.deepEqual(await Promise.all([first, joined, other]), [[{ n: 1 }], [{ n: 1 }], [{ n: 2 }]]);
    assert.deepEqual(seen.sort(), ['join call 1', 'lead call 1']);
    assert.equal(shared.inFlight, 0, 'settled loads are forgotten');
    assert.deepEqual(await shared.load(['u1']), [{ n: 3 }]);
    assert.deepEqual(await shared.load(['u1', 'u2']), [{ n: 4 }, { n: 4 }], 'several ids are never shared');
    assert.equal(inner.calls, 4);
  });

  it('a load led by a cancelled request is not trusted: the one waiting on it reads for itself', async () => {
    const inner = new CountingLoader('user', 30);
    const shared = new SharedUserLoader(inner);
    const gone = new AbortController();
    const first = shared.load(['u1'], undefined, { deadline: Number.MAX_SAFE_INTEGER, signal: gone.signal });
    const waiting = shared.load(['u1']);
    gone.abort();
    assert.deepEqual(await first, [{ n: -1 }]);
    assert.deepEqual(await waiting, [{ n: 2 }]);
    // A new load after the cancellation does not join the cancelled one either.
    const gone2 = new AbortController();
    const lead2 = shared.load(['u1'], undefined, { deadline: Number.MAX_SAFE_INTEGER, signal: gone2.signal });
    gone2.abort();
    assert.deepEqual(await shared.load(['u1']), [{ n: 4 }]);
    await lead2;
  });

  it('a failed load fails its joiners the same way', async () => {
    let fail = true;
    const inner: FeatureLoader = {
      store: 'user',
      load: async (ids) => {
        await sleep(10);
        if (fail) throw new Error('down');
        return ids.map(() => ({}));
      },
    };
    const shared = new SharedUserLoader(inner);
    const results = await Promise.allSettled([shared.load(['u']), shared.load(['u'])]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.deepEqual(await shared.load(['u']), [{}]);
  });
});

describe("the features stage merges loaders in the scene's order, whichever answers first", () => {
  it("a field two loaders hold takes the later loader's value, for the user and for items, started early or not", async () => {
    const slowFirst = new CountingLoader('user', 40, () => ({ shared: 'first', a: 1 }));
    const fastSecond = new CountingLoader('user', 1, () => ({ shared: 'second', b: 2 }));
    const itemsSlow = new CountingLoader('item', 40, (_, id) => ({ tag: `slow-${id}` }));
    const itemsFast = new CountingLoader('item', 1, (_, id) => ({ tag: `fast-${id}` }));
    const loaders = [slowFirst, fastSecond, itemsSlow, itemsFast];
    for (const early of [false, true]) {
      const ctx = stageContext(undefined, 'u1');
      const cands: Candidate[] = [{ itemId: 'x', row: -1, retrieveId: 'r', recallScore: 0, score: 0 }];
      const { ctx: out, notes } = await loadFeatures(loaders, cands, ctx, early ? startUserFeatures(loaders, ctx) : undefined);
      assert.deepEqual(out.userFeatures, { shared: 'second', a: 1, b: 2 }, `early=${String(early)}`);
      assert.deepEqual(cands[0]?.features, { tag: 'fast-x' });
      assert.equal(notes.length, 2, 'user and item faults, one line each');
    }
  });
});
