import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { MemoryExposureStore } from '../../src/store/exposure-store.js';
import { exposureStoreBytes } from '../../src/sizing/sizing.js';

const UNBOUNDED = { maxItemsPerUser: 1000, maxUsers: 1e9, maxBytes: 2 ** 40 };

/** The reference: per user a Map item → latest time, users in order of their last write. */
class Model {
  readonly users = new Map<string, Map<string, number>>();
  constructor(readonly maxItems: number) {}

  merge(uid: string, items: readonly string[], times: readonly number[]): void {
    if (items.length === 0) return;
    const m = new Map(this.users.get(uid));
    this.users.delete(uid);
    items.forEach((id, i) => {
      const t = times[i]!;
      const prev = m.get(id);
      if (prev === undefined) m.set(id, t);
      else if (t > prev) {
        m.delete(id);
        m.set(id, t);
      }
    });
    const kept = [...m].sort((a, b) => a[1] - b[1]).slice(-this.maxItems);
    this.users.set(uid, new Map(kept));
  }

  seen(uid: string, since: number): string[] {
    return [...(this.users.get(uid) ?? [])]
      .filter(([, t]) => t > since)
      .map(([id]) => id)
      .sort();
  }
}

/** A write: a user of 8, up to 12 items of 40 (ids of varied length), times from a small range (ties and reorderings). */
const writeArb = fc.record({
  uid: fc.integer({ min: 0, max: 7 }).map((u) => `user-${u}`),
  items: fc.array(
    fc.integer({ min: 0, max: 40 }).map((i) => `item-${'x'.repeat(i % 5)}${i}`),
    { maxLength: 12 },
  ),
  times: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 12, maxLength: 12 }),
});
type Write = { uid: string; items: string[]; times: number[] };

const seenSorted = (s: MemoryExposureStore, uid: string, since: number): string[] => [...s.seenNow(uid, since)].sort();

describe('in-memory exposure store', () => {
  it('returns what was shown after a time, per user', async () => {
    const store = new MemoryExposureStore({ maxItemsPerUser: 10, maxUsers: 10, maxBytes: 1 << 20 });
    await store.add('u', ['a', 'b'], 1000);
    await store.add('u', ['c'], 2000);
    await store.add('v', ['z'], 2000);
    assert.deepEqual([...(await store.seen('u', 0))].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...(await store.seen('u', 1500))], ['c'], 'older exposures have expired');
    assert.deepEqual([...(await store.seen('nobody', 0))], []);
  });

  it('skips non-finite times, keeps a user at exactly maxUsers, and counts the users it evicts', () => {
    const opts = { maxItemsPerUser: 10, maxUsers: 2, maxBytes: 1 << 20 };
    const store = new MemoryExposureStore(opts);
    assert.equal(store.options, opts);
    store.merge('u', ['a', 'b', 'c', 'd'], [1, Number.NaN, Number.POSITIVE_INFINITY, 2]);
    assert.deepEqual(seenSorted(store, 'u', 0), ['a', 'd'], 'NaN and Infinity are not times');
    assert.equal(store.internedItems, 2);
    store.merge('v', ['x'], 3);
    assert.equal(store.users, 2, 'exactly maxUsers is within the bound');
    assert.equal(store.evictions, 0);
    store.merge('w', ['y'], 4);
    assert.equal(store.evictions, 1);
    assert.equal(store.has('u'), false, 'the least recently shown went');
    const probe = new MemoryExposureStore(UNBOUNDED);
    probe.merge('v', ['x'], 3);
    probe.merge('w', ['y'], 4);
    const bytes = probe.bytes;
    const exact = new MemoryExposureStore({ maxItemsPerUser: 10, maxUsers: 10, maxBytes: bytes });
    exact.merge('v', ['x'], 3);
    exact.merge('w', ['y'], 4);
    assert.equal(exact.bytes, bytes);
    assert.equal(exact.evictions, 0, 'bytes equal to maxBytes are within the bound');
  });

  it('property: seen() equals the reference model; users evicted are the least recently shown; bytes never pass the bound', () => {
    fc.assert(
      fc.property(
        fc.array(writeArb, { maxLength: 80 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 400, max: 12_000 }),
        (writes, maxItems, maxBytes) => {
          const store = new MemoryExposureStore({ maxItemsPerUser: maxItems, maxUsers: 5, maxBytes });
          const model = new Model(maxItems);
          for (const w of writes as Write[]) {
            store.merge(w.uid, w.items, w.times);
            model.merge(w.uid, w.items, w.times);
            assert.ok(store.bytes <= maxBytes, `bytes ${store.bytes} > bound ${maxBytes}`);
            // Whatever the store dropped is the model's least recently shown users (a prefix).
            const order = [...model.users.keys()];
            const dropped = order.filter((u) => !store.has(u));
            assert.deepEqual(dropped, order.slice(0, dropped.length), 'evicted users are the least recently shown');
            for (const u of dropped) model.users.delete(u);
            assert.ok(store.users <= 5);
          }
          for (const u of model.users.keys()) {
            for (const since of [0, 10, 25, 49]) assert.deepEqual(seenSorted(store, u, since), model.seen(u, since), `user ${u} since ${since}`);
          }
          // The interning table holds exactly the ids some kept entry refers to: no leak.
          const live = new Set([...model.users.values()].flatMap((m) => [...m.keys()]));
          assert.equal(store.internedItems, live.size);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('property: merging is idempotent and order-free, and a dump merged into an empty store reproduces it', () => {
    fc.assert(
      fc.property(
        fc.array(writeArb, { maxLength: 40 }).chain((ws) => fc.tuple(fc.constant(ws), fc.shuffledSubarray(ws, { minLength: ws.length, maxLength: ws.length }))),
        ([writes, shuffled]) => {
          // Distinct times, so the per-user cap keeps the same newest items whatever the order.
          let t = 0;
          const timed = (writes as Write[]).map((w) => ({ ...w, times: w.times.map(() => ++t) }));
          const byRef = new Map(timed.map((w, i) => [writes[i], w]));
          const a = new MemoryExposureStore({ ...UNBOUNDED, maxItemsPerUser: 4 });
          const b = new MemoryExposureStore({ ...UNBOUNDED, maxItemsPerUser: 4 });
          for (const w of timed) a.merge(w.uid, w.items, w.times);
          for (const w of shuffled) {
            const tw = byRef.get(w)!;
            b.merge(tw.uid, tw.items, tw.times);
            b.merge(tw.uid, tw.items, tw.times); // a relay crossing a snapshot: applied twice
          }
          const c = new MemoryExposureStore({ ...UNBOUNDED, maxItemsPerUser: 4 });
          for (const u of a.dump()) c.merge(u.uid, u.items, u.times);
          for (let u = 0; u < 8; u++) {
            const want = seenSorted(a, `user-${u}`, 0);
            assert.deepEqual(seenSorted(b, `user-${u}`, 0), want);
            assert.deepEqual(seenSorted(c, `user-${u}`, 0), want);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('its byte estimate covers the memory it really takes (heap and array buffers)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = (): number => {
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    // Shared catalog ids (the usual case), distinct ids, and one-item users.
    for (const [users, per, distinct] of [
      [20_000, 20, 1000],
      [5000, 40, 200_000],
      [50_000, 1, 50_000],
    ] as const) {
      const store = new MemoryExposureStore(UNBOUNDED);
      const before = used();
      for (let u = 0; u < users; u++) {
        const ids: string[] = [];
        for (let i = 0; i < per; i++) ids.push(`item-${(u * per + i) % distinct}`);
        store.merge(`user-${u}-abcdef`, ids, 1_700_000_000_000 + u);
      }
      const measured = used() - before;
      const label = `${users} users × ${per} items of ${distinct}: estimate ${store.bytes}, measured ${measured}`;
      assert.ok(store.bytes >= measured, label);
      assert.ok(store.bytes <= 2 * measured, label);
      assert.equal(store.users, users); // the store stays alive until measured
    }
  });

  it('the byte bound is a share of the heap unless configured', () => {
    assert.equal(exposureStoreBytes(1000 * 2 ** 20), 100 * 2 ** 20);
    assert.equal(exposureStoreBytes(1000 * 2 ** 20, 12345), 12345);
    assert.equal(exposureStoreBytes(1), 2 ** 20, 'never below 1 MiB');
  });
});
