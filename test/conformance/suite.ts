/**
 * The conformance suite every algorithm type passes. A type's test file calls
 * `algorithmConformance` with a valid conf and sample inputs; the suite checks the
 * contract the engine relies on: typed output of the right shape, abort and close
 * semantics, determinism under concurrency, a strict config schema, and (for retrieval)
 * the same neighbours and scores as brute force over the corpus.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import type { AlgorithmKind, AlgorithmKinds, Algorithm, KindInput } from '../../src/algorithm/contract.js';
import type { AlgorithmTypeDef, BuildDeps } from '../../src/algorithm/registry.js';
import { PairecError } from '../../src/errors.js';
import { runContext } from '../helpers/context.js';

export interface ConformanceCase<K extends AlgorithmKind> {
  readonly def: AlgorithmTypeDef<K>;
  /** A valid conf body (defaults are filled in by the suite). */
  readonly conf: Record<string, unknown>;
  readonly deps: () => BuildDeps;
  /** Inputs to run; the first must be non-empty. */
  readonly inputs: readonly KindInput<K>[];
  readonly emptyInput: KindInput<K>;
  /**
   * The known answer for an input (a retrieval type: brute force over its corpus, see
   * reference.ts). Required for retrieval: a shape check alone passes an index that
   * returns no neighbours.
   */
  readonly expected?: ShapeCheck<K>;
}

export type ShapeCheck<K extends AlgorithmKind> = (input: KindInput<K>, output: AlgorithmKinds[K]['output']) => void;

const SHAPES: { [K in AlgorithmKind]: ShapeCheck<K> } = {
  score: (input, output) => {
    assert.equal(output.length, input.items.length, 'one response per item');
    for (const r of output) {
      assert.equal(typeof r.score, 'number');
      assert.ok(Number.isFinite(r.score), `score ${r.score} is finite`);
      if (r.scoreMap) for (const v of Object.values(r.scoreMap)) assert.ok(Number.isFinite(v));
    }
  },
  retrieval: (input, output) => {
    assert.equal(output.length, input.vectors.length, 'one neighbour list per query');
    for (const n of output) {
      assert.ok(n.ids.length <= input.k, 'at most k neighbours');
      assert.equal(n.scores.length, n.ids.length);
      assert.equal(new Set(n.ids).size, n.ids.length, 'neighbours are distinct');
      for (let i = 1; i < n.scores.length; i++) {
        assert.ok((n.scores[i - 1] ?? 0) >= (n.scores[i] ?? 0), 'best first');
      }
    }
  },
};

function isCode(code: string): (err: unknown) => boolean {
  return (err) => err instanceof PairecError && err.code === code;
}

export function algorithmConformance<K extends AlgorithmKind>(c: ConformanceCase<K>): void {
  const { def } = c;
  const shape = SHAPES[def.kind] as ShapeCheck<K>;
  const build = async (name = 'under_test'): Promise<Algorithm<K>> => {
    const conf = Value.Default(def.schema, structuredClone(c.conf));
    assert.ok(Value.Check(def.schema, conf), 'the sample conf is valid');
    return def.create(name, conf as never, c.deps());
  };

  describe(`conformance: ${def.type}`, () => {
    it('declares a conf key and a strict schema', () => {
      assert.match(def.confKey, /^[A-Z][A-Za-z]*Conf$/);
      const withUnknown = { ...(Value.Default(def.schema, structuredClone(c.conf)) as object), NoSuchKey: 1 };
      assert.equal(Value.Check(def.schema, withUnknown), false, 'unknown conf keys are rejected');
    });

    it('builds an instance that carries its name, type and kind', async () => {
      const algo = await build('named');
      assert.equal(algo.name, 'named');
      assert.equal(algo.type, def.type);
      assert.equal(algo.kind, def.kind);
      await algo.close();
    });

    it('returns output of the declared shape for every sample input', async () => {
      const algo = await build();
      for (const input of c.inputs) shape(input, await algo.run(input, runContext()));
      await algo.close();
    });

    it('answers every sample input as the known reference does', async () => {
      assert.ok(c.expected || def.kind !== 'retrieval', 'a retrieval type is compared with a known answer');
      const algo = await build();
      try {
        for (const input of c.inputs) {
          const out = await algo.run(input, runContext());
          c.expected?.(input, out);
        }
      } finally {
        await algo.close();
      }
    });

    it('handles an empty input', async () => {
      const algo = await build();
      const out = await algo.run(c.emptyInput, runContext());
      shape(c.emptyInput, out);
      assert.equal(out.length, 0);
      await algo.close();
    });

    it('gives concurrent runs the results of sequential runs', async () => {
      const algo = await build();
      const sequential = [];
      for (const input of c.inputs) sequential.push(await algo.run(input, runContext()));
      const concurrent = await Promise.all(Array.from({ length: 8 }, () => Promise.all(c.inputs.map((input) => algo.run(input, runContext())))));
      for (const round of concurrent) assert.deepEqual(round, sequential);
      await algo.close();
    });

    it('rejects a run whose signal is already aborted, before doing work', async () => {
      const algo = await build();
      const ctl = new AbortController();
      ctl.abort();
      const first = c.inputs[0];
      assert.ok(first);
      await assert.rejects(algo.run(first, runContext(5000, ctl.signal)), isCode('ERR_ABORTED'));
      await algo.close();
    });

    it('closes idempotently and rejects runs after close', async () => {
      const algo = await build();
      await algo.close();
      await algo.close();
      const first = c.inputs[0];
      assert.ok(first);
      await assert.rejects(algo.run(first, runContext()), isCode('ERR_ALGORITHM_CLOSED'));
    });
  });
}
