import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BatchingAlgorithm } from '../../src/algorithm/middleware/batching.js';
import { AlgorithmBase } from '../../src/algorithm/base.js';
import type { AlgoResponse, Neighbours, RetrievalInput, RunContext, ScoreInput } from '../../src/algorithm/contract.js';
import { PairecError } from '../../src/errors.js';
import { runContext } from '../helpers/context.js';

/** Scores each item with its `id`; its calls can be delayed by a scheduler and fail on demand. */
class Echo extends AlgorithmBase<'score'> {
  readonly calls: ScoreInput[] = [];
  constructor(private readonly gate: (fail: boolean) => Promise<void>) {
    super('echo', 'ECHO', 'score');
  }
  protected async execute(input: ScoreInput, _ctx: RunContext): Promise<readonly AlgoResponse[]> {
    this.calls.push(input);
    const fail = input.items.some((i) => i.fail === true);
    await this.gate(fail);
    if (fail) throw new Error(`batch of ${input.items.length} failed`);
    return input.items.map((i) => ({ score: Number(i.id) }));
  }
}

const tick = (ms = 2) => new Promise((r) => setTimeout(r, ms));

describe('batching middleware', () => {
  it('coalesces concurrent runs into one call and gives each caller its own scores and user', async () => {
    const echo = new Echo(() => Promise.resolve());
    const batching = new BatchingAlgorithm(echo, { batchSize: 100, batchTimeoutMs: 5, maxQueue: 100 });
    const runs = [0, 1, 2].map((r) => batching.run({ items: [{ id: r * 10 }, { id: r * 10 + 1 }], user: { uid: r } }, runContext()));
    const out = await Promise.all(runs);
    assert.deepEqual(
      out.map((o) => o.map((x) => x.score)),
      [
        [0, 1],
        [10, 11],
        [20, 21],
      ],
    );
    assert.equal(echo.calls.length, 1, 'one backend call');
    assert.deepEqual(
      echo.calls[0]?.users?.map((u) => u.uid),
      [0, 0, 1, 1, 2, 2],
      'row-aligned users',
    );
  });

  it('sends a batch as soon as it is full, without waiting for the timeout', async () => {
    const echo = new Echo(() => Promise.resolve());
    const batching = new BatchingAlgorithm(echo, { batchSize: 4, batchTimeoutMs: 10_000, maxQueue: 100 });
    const started = Date.now();
    await Promise.all([0, 1].map((r) => batching.run({ items: [{ id: r }, { id: r }] }, runContext())));
    assert.ok(Date.now() - started < 1000);
    assert.equal(echo.calls.length, 1);
  });

  it('rejects at once with ERR_QUEUE_FULL when the queue is full', async () => {
    const echo = new Echo(() => Promise.resolve());
    const batching = new BatchingAlgorithm(echo, { batchSize: 1000, batchTimeoutMs: 20, maxQueue: 2 });
    const a = batching.run({ items: [{ id: 1 }] }, runContext());
    const b = batching.run({ items: [{ id: 2 }] }, runContext());
    await assert.rejects(
      batching.run({ items: [{ id: 3 }] }, runContext()),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_QUEUE_FULL' && /worker pool queue full/.test(e.message),
    );
    await Promise.all([a, b]);
  });

  it('lets an aborted caller leave at once while the batch goes on for the others', async () => {
    let open!: () => void;
    const echo = new Echo(() => new Promise<void>((r) => (open = r)));
    const batching = new BatchingAlgorithm(echo, { batchSize: 2, batchTimeoutMs: 5, maxQueue: 10 });
    const ctl = new AbortController();
    const a = batching.run({ items: [{ id: 1 }] }, runContext(5000, ctl.signal));
    const b = batching.run({ items: [{ id: 2 }] }, runContext());
    await tick();
    ctl.abort();
    await assert.rejects(a, (e: unknown) => e instanceof PairecError && e.code === 'ERR_ABORTED');
    open();
    assert.deepEqual(
      (await b).map((x) => x.score),
      [2],
    );
  });

  it('splits retrieval batches and trims each caller to its own k', async () => {
    class Near extends AlgorithmBase<'retrieval'> {
      calls = 0;
      constructor() {
        super('near', 'NEAR', 'retrieval');
      }
      protected execute(input: RetrievalInput): Promise<readonly Neighbours[]> {
        this.calls++;
        return Promise.resolve(
          input.vectors.map((v) => ({
            ids: Array.from({ length: input.k }, (_, i) => `${v[0] ?? 0}-${i}`),
            scores: Float32Array.from({ length: input.k }, (_, i) => -i),
          })),
        );
      }
    }
    const near = new Near();
    const batching = new BatchingAlgorithm(near, { batchSize: 10, batchTimeoutMs: 5, maxQueue: 10 });
    const [a, b] = await Promise.all([
      batching.run({ vectors: [Float32Array.of(1)], k: 2 }, runContext()),
      batching.run({ vectors: [Float32Array.of(2), Float32Array.of(3)], k: 4 }, runContext()),
    ]);
    assert.equal(near.calls, 1);
    assert.deepEqual(
      a.map((n) => n.ids),
      [['1-0', '1-1']],
    );
    assert.deepEqual(
      b.map((n) => n.ids.length),
      [4, 4],
    );
    assert.equal(b[1]?.ids[0], '3-0');
  });

  it('property: under any interleaving, every caller settles once with exactly its own result; batches respect batchSize; a failed batch fails only its members', async () => {
    const run = fc.record({
      ids: fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 0, maxLength: 6 }),
      fail: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 8 }), fc.array(run, { minLength: 1, maxLength: 12 }), async (s, batchSize, runs) => {
        const echo = new Echo((fail) => s.schedule(Promise.resolve(), fail ? 'failing call' : 'call'));
        const batching = new BatchingAlgorithm(echo, { batchSize, batchTimeoutMs: 1, maxQueue: 1000 });
        const settled = runs.map(() => 0);
        const outcomes: (number[] | Error)[] = [];
        const inputs = runs.map((r) => ({ items: r.ids.map((id) => ({ id, fail: r.fail })) }));
        const promises = inputs.map((input, i) =>
          batching
            .run(input, runContext())
            .then(
              (out) => void (outcomes[i] = out.map((x) => x.score)),
              (err: Error) => void (outcomes[i] = err),
            )
            .finally(() => (settled[i] = (settled[i] ?? 0) + 1)),
        );
        const all = Promise.all(promises);
        let finished = false;
        void all.then(() => (finished = true));
        for (let guard = 0; !finished && guard < 500; guard++) {
          await s.waitAll();
          await tick(1);
        }
        assert.ok(finished, 'every caller settled');
        assert.deepEqual(
          settled,
          runs.map(() => 1),
          'each exactly once',
        );
        for (const call of echo.calls) {
          const n = call.items.length;
          assert.ok(n <= batchSize || runs.some((r) => r.ids.length === n), `a call of ${n} items respects batchSize ${batchSize}`);
        }
        inputs.forEach((input, i) => {
          const o = outcomes[i];
          const first = input.items[0];
          if (!first) return; // an empty run shares its batch's fate; nothing to attribute
          // The backend call that carried this caller's items (the very objects it passed).
          const call = echo.calls.find((c) => c.items.includes(first));
          assert.ok(call, `caller ${i} was sent`);
          const batchFailed = call.items.some((x) => x.fail === true);
          if (batchFailed) assert.ok(o instanceof Error, `caller ${i} was in a failing batch`);
          else assert.deepEqual(o, runs[i]?.ids, `caller ${i} gets exactly its own scores`);
        });
      }),
      { numRuns: 150 },
    );
  });
});
