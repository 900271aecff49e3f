import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MemoryExposureStore } from '../../src/store/exposure-store.js';

describe('in-memory exposure store', () => {
  it('returns what was shown after a time, per user', async () => {
    const store = new MemoryExposureStore({ maxItemsPerUser: 10, maxUsers: 10 });
    await store.add('u', ['a', 'b'], 1000);
    await store.add('u', ['c'], 2000);
    await store.add('v', ['z'], 2000);
    assert.deepEqual([...(await store.seen('u', 0))].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...(await store.seen('u', 1500))], ['c'], 'older exposures have expired');
    assert.deepEqual([...(await store.seen('nobody', 0))], []);
  });

  it('property: behaves as an LRU of users, each keeping its 5 most recent exposures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 6 })), { maxLength: 60 }),
        async (writes) => {
          const store = new MemoryExposureStore({ maxItemsPerUser: 5, maxUsers: 3 });
          const last = new Map<string, string[]>();
          let t = 0;
          for (const [u, items] of writes) {
            const ids = items.map(String);
            await store.add(String(u), ids, ++t);
            const prev = (last.get(String(u)) ?? []).filter((x) => !ids.includes(x));
            last.delete(String(u)); // the model is an LRU of users too: most recently written last
            last.set(String(u), [...prev, ...ids.filter((x, i) => ids.lastIndexOf(x) === i)].slice(-5));
            if (last.size > 3) last.delete(last.keys().next().value as string);
          }
          assert.ok(store.users <= 3);
          for (const [u, expected] of last) {
            assert.deepEqual([...(await store.seen(u, 0))].sort(), [...expected].sort(), `user ${u}: its 5 most recent`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
