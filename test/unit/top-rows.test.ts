import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { topRows } from '../../src/pipeline/recall/top-rows.js';

/** The reference: every row, stable-sorted by descending key, cut to `count`. */
const bySort = (keys: readonly number[], count: number): number[] =>
  keys
    .map((_, i) => i)
    .sort((a, b) => (keys[b] as number) - (keys[a] as number))
    .slice(0, Math.max(0, count));

describe('topRows', () => {
  it('is the stable descending sort cut to count, ties by lower row (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 300 }), fc.integer({ min: -1, max: 320 }), (keys, count) => {
        assert.deepEqual(
          topRows((r) => keys[r] as number, keys.length, count),
          bySort(keys, count),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('keeps fractional keys apart and takes every row when count exceeds them', () => {
    const keys = [0.5, 2.25, 2.5, -1, 2.25];
    assert.deepEqual(
      topRows((r) => keys[r] as number, keys.length, 3),
      [2, 1, 4],
    );
    assert.deepEqual(
      topRows((r) => keys[r] as number, keys.length, 10),
      [2, 1, 4, 0, 3],
    );
  });
});
