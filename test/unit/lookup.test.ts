import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LookupAlgorithm } from '../../src/algorithm/lookup/index.js';
import { lookupType } from '../../src/algorithm/lookup/index.js';
import { buildDeps, runContext, testMetrics } from '../helpers/context.js';

describe('LOOKUP', () => {
  it('scores each item with its numeric FieldName feature, 0.5 when missing', async () => {
    let invalid = 0;
    const algo = new LookupAlgorithm('l', { FieldName: 'ctr', DefaultScore: 0.5 }, (n) => (invalid += n));
    const out = await algo.run({ items: [{ ctr: 0.25 }, { other: 1 }, { ctr: -3 }, { ctr: 0 }] }, runContext());
    assert.deepEqual(
      out.map((r) => r.score),
      [0.25, 0.5, -3, 0],
    );
    assert.equal(invalid, 0, 'a missing feature is not an invalid value');
  });

  it('treats non-numeric and non-finite values as missing and counts them', async () => {
    let invalid = 0;
    const algo = new LookupAlgorithm('l', { FieldName: 'ctr', DefaultScore: 0.5 }, (n) => (invalid += n));
    const items = [{ ctr: '0.7' }, { ctr: true }, { ctr: Number.NaN }, { ctr: Number.POSITIVE_INFINITY }, { ctr: null }, { ctr: 0.1 }];
    const out = await algo.run({ items }, runContext());
    assert.deepEqual(
      out.map((r) => r.score),
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.1],
    );
    assert.equal(invalid, 4, 'string, boolean, NaN and Infinity are counted; null is missing');
  });

  it('counts invalid values in pairec_algorithm_invalid_values_total', async () => {
    const metrics = testMetrics();
    const algo = await lookupType.create('pop', { FieldName: 'p', DefaultScore: 0.5 }, buildDeps({ metrics }));
    await algo.run({ items: [{ p: 'high' }, { p: 'low' }, { p: 1 }] }, runContext());
    const text = await metrics.registry.metrics();
    assert.match(text, /pairec_algorithm_invalid_values_total\{algorithm_name="pop"\} 2/);
  });

  it('uses a configured DefaultScore', async () => {
    const algo = new LookupAlgorithm('l', { FieldName: 'x', DefaultScore: 0 }, () => undefined);
    const out = await algo.run({ items: [{}] }, runContext());
    assert.equal(out[0]?.score, 0);
  });
});
