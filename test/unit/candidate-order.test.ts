import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sortByScore } from '../../src/pipeline/sort/score-order.js';
import { uniqueFilter } from '../../src/pipeline/filter/index.js';
import type { Candidate } from '../../src/pipeline/context.js';
import { stageContext, tinyCatalog } from '../helpers/pipeline.js';

const candidate = (itemId: string, row: number, score: number): Candidate => ({ itemId, row, retrieveId: 'r', recallScore: score, score });

/** The order sortByScore promises, by the library sort: score descending, NaN last, ties in input order. */
function reference(cands: readonly Candidate[]): Candidate[] {
  const key = (c: Candidate): number => (Number.isNaN(c.score) ? Number.NEGATIVE_INFINITY : c.score);
  return cands
    .map((c, i) => ({ c, i }))
    .sort((a, b) => key(b.c) - key(a.c) || a.i - b.i || 0)
    .map((x) => x.c);
}

describe('candidate order and dedup', () => {
  it('property: sortByScore orders like a stable descending sort, with ties in input order and NaN last', () => {
    // Few distinct scores so ties are common; lengths cross the 16-item runs and the buffer growth.
    const score = fc.oneof(fc.constantFrom(0, 1, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), fc.double({ noNaN: true }));
    fc.assert(
      // size 'max': fast-check's default size keeps arrays under ~10 items, below one run.
      fc.property(fc.array(score, { maxLength: 1200, size: 'max' }), (scores) => {
        const cands = scores.map((s, i) => candidate(String(i), i, s));
        const want = reference(cands);
        const got = sortByScore(cands);
        assert.equal(got, cands, 'in place');
        assert.deepEqual(
          got.map((c) => c.itemId),
          want.map((c) => c.itemId),
        );
      }),
    );
  });

  it('property: UniqueFilter keeps the first candidate of each item id, catalog rows and unknown ids alike, pass after pass', () => {
    const catalog = tinyCatalog(Array.from({ length: 6 }, () => ({})));
    // Items 1..6 are catalog rows 0..5; "x1".."x3" are not in the catalog (row -1).
    const pick = fc.oneof(
      fc.integer({ min: 0, max: 5 }).map((row) => candidate(String(row + 1), row, row)),
      fc.constantFrom('x1', 'x2', 'x3').map((id) => candidate(id, -1, 0)),
    );
    fc.assert(
      fc.property(fc.array(fc.array(pick, { maxLength: 30 }), { minLength: 1, maxLength: 4 }), (passes) => {
        for (const cands of passes) {
          const seen = new Set<string>();
          const want = cands.filter((c) => !seen.has(c.itemId) && seen.add(c.itemId));
          assert.deepEqual(uniqueFilter(cands, stageContext(catalog)), want);
        }
      }),
    );
  });
});
