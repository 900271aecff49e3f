import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HotSwap } from '../../src/companions/hot-swap.js';
import { serialReloads } from '../../src/companions/serial-reload.js';

interface Value {
  readonly id: number;
  closed: number;
}

describe('HotSwap', () => {
  it('closes a replaced value exactly once, never while a call holds it, and every call gets an open value (random interleavings)', async () => {
    type Op = { kind: 'start' } | { kind: 'end'; pick: number } | { kind: 'swap' };
    const op = fc.oneof(
      fc.constant<Op>({ kind: 'start' }),
      fc.nat(20).map<Op>((pick) => ({ kind: 'end', pick })),
      fc.constant<Op>({ kind: 'swap' }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const leased = new Map<Value, number>();
        const swap = new HotSwap<Value>((v) => {
          assert.equal(leased.get(v) ?? 0, 0, 'closed while a call holds it');
          v.closed++;
        });
        const all: Value[] = [{ id: 0, closed: 0 }];
        await swap.swap(all[0] as Value);
        const calls: { finish: () => void; done: Promise<void> }[] = [];
        for (const o of ops) {
          if (o.kind === 'start') {
            let finish = (): void => undefined;
            const gate = new Promise<void>((r) => (finish = r));
            const done = swap.use(async (v) => {
              assert.equal(v.closed, 0, 'a call got a closed value');
              leased.set(v, (leased.get(v) ?? 0) + 1);
              await gate;
              leased.set(v, (leased.get(v) ?? 0) - 1);
            });
            calls.push({ finish, done });
            await Promise.resolve();
          } else if (o.kind === 'end' && calls.length > 0) {
            const [call] = calls.splice(o.pick % calls.length, 1);
            call?.finish();
            await call?.done;
          } else if (o.kind === 'swap') {
            const v = { id: all.length, closed: 0 };
            all.push(v);
            void swap.swap(v);
          }
        }
        for (const c of calls) c.finish();
        await Promise.all(calls.map((c) => c.done));
        await swap.close();
        for (const v of all) assert.equal(v.closed, 1, `value ${v.id} closed ${v.closed} times`);
      }),
      { numRuns: 200 },
    );
  });

  it('the promise of a swap settles when the old value is closed, after its last call', async () => {
    const closed: string[] = [];
    const swap = new HotSwap<string>((v) => void closed.push(v));
    await swap.swap('a');
    let finish = (): void => undefined;
    const call = swap.use(() => new Promise<void>((r) => (finish = r)));
    const swapped = swap.swap('b');
    assert.equal(swap.current, 'b', 'new calls get the new value at once');
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(closed, [], 'not closed under a running call');
    finish();
    await call;
    await swapped;
    assert.deepEqual(closed, ['a']);
  });
});

describe('serialReloads', () => {
  it('runs one at a time, and triggers that arrive while one waits join it', async () => {
    let running = 0;
    let most = 0;
    const triggers: string[] = [];
    const gates: (() => void)[] = [];
    const reload = serialReloads(async (trigger) => {
      triggers.push(trigger);
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => gates.push(r));
      running--;
      return trigger;
    }, Promise.resolve());
    const first = reload('1');
    await new Promise((r) => setTimeout(r, 5));
    const joined = [reload('2'), reload('3'), reload('4'), reload('5')];
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(triggers, ['1'], 'the others wait for the running one');
    gates.shift()?.();
    assert.equal(await first, '1');
    await new Promise((r) => setTimeout(r, 5));
    gates.shift()?.();
    const results = await Promise.all(joined);
    assert.deepEqual(results, ['2', '2', '2', '2'], 'four triggers, one reload');
    assert.deepEqual(triggers, ['1', '2']);
    assert.equal(most, 1);
  });

  it('waits for the initial load, and a failed reload does not block the next', async () => {
    let loaded = (): void => undefined;
    const initial = new Promise<void>((r) => (loaded = r));
    let calls = 0;
    const reload = serialReloads(async () => {
      calls++;
      if (calls === 1) throw new Error('bad file');
      return calls;
    }, initial);
    const first = reload('a');
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(calls, 0);
    loaded();
    await assert.rejects(first, /bad file/);
    assert.equal(await reload('b'), 2);
  });
});
