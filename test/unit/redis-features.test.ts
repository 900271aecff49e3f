import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TtlCache } from '../../src/features/ttl-cache.js';
import { featureKey, parseFeatureValue, toFeatures } from '../../src/features/redis-features.js';
import { parseConfig } from '../../src/config/validate.js';
import type { ConfigVocabulary } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { smallConfig } from '../helpers/config.js';

describe('TtlCache (the features LRU)', () => {
  it('expires entries ttl after they were written', () => {
    let now = 0;
    const c = new TtlCache<number>(10, 100, () => now);
    c.set('a', 1);
    now = 99;
    assert.equal(c.get('a'), 1);
    now = 100;
    assert.equal(c.get('a'), undefined);
    assert.equal(c.size, 0, 'an expired entry is dropped when read');
  });

  it('keeps nothing when its size or lifetime is 0', () => {
    for (const c of [new TtlCache<number>(0, 100), new TtlCache<number>(10, 0)]) {
      c.set('a', 1);
      assert.equal(c.get('a'), undefined);
    }
  });

  it('property: matches a model LRU with expiry, never over its size', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 9 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 60 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 80 }), (max, ops) => {
        let now = 0;
        const cache = new TtlCache<number>(max, 100, () => now);
        const model = new Map<string, { value: number; expires: number }>(); // insertion order = recency
        for (const o of ops) {
          if (o.kind === 'tick') {
            now += o.ms;
          } else if (o.kind === 'set') {
            model.delete(String(o.key));
            model.set(String(o.key), { value: o.value, expires: now + 100 });
            while (model.size > max) model.delete(model.keys().next().value as string);
            cache.set(String(o.key), o.value);
          } else {
            const e = model.get(String(o.key));
            model.delete(String(o.key));
            const want = e && e.expires > now ? e.value : undefined;
            if (e && want !== undefined) model.set(String(o.key), e);
            assert.equal(cache.get(String(o.key)), want);
          }
          assert.ok(cache.size <= max);
        }
      }),
    );
  });
});

describe('Redis feature keys and values', () => {
  it('builds keys as prefix + id', () => {
    assert.equal(featureKey('item:', '42'), 'item:42');
    assert.equal(featureKey('', 'u1'), 'u1');
    fc.assert(fc.property(fc.string(), fc.string(), (p, id) => featureKey(p, id) === p + id && featureKey(p, id).startsWith(p)));
  });

  it('reads numbers as numbers, anything else as the string', () => {
    assert.equal(parseFeatureValue('1.5'), 1.5);
    assert.equal(parseFeatureValue(' 7 '), 7);
    assert.equal(parseFeatureValue('abc'), 'abc');
    assert.equal(parseFeatureValue(''), '');
    assert.equal(parseFeatureValue('Infinity'), 'Infinity');
  });

  it('fills missing fields with the declared defaults', () => {
    assert.deepEqual(toFeatures(['a', 'b'], ['1', null], { b: 0, c: 'x' }), { a: 1, b: 0, c: 'x' });
    assert.deepEqual(toFeatures(undefined, { a: '2', d: 'red' }, { a: 0 }), { a: 2, d: 'red' });
    assert.deepEqual(toFeatures(undefined, {}, { boost: 0 }), { boost: 0 });
  });
});

describe('RedisConfs references', () => {
  const vocab: ConfigVocabulary = builtinVocabulary(createDefaultRegistry());
  const paths = (raw: unknown): string[] => {
    try {
      parseConfig(raw, vocab);
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems.map((p) => p.path ?? '');
    }
  };
  const withRedis = (extra: Record<string, unknown>): Record<string, unknown> => ({ ...smallConfig('/tmp/unused'), ...extra });

  it('accepts a Redis exposure filter and feature loader naming a RedisConfs entry, single node or cluster', () => {
    for (const conf of [{ Host: '127.0.0.1', Port: 6379, Password: 'p' }, { Cluster: [{ Host: '127.0.0.1', Port: 7000 }] }]) {
      const raw = withRedis({
        RedisConfs: { main: conf },
        FilterConfs: [{ Name: 'exp', FilterType: 'User2ItemExposureFilter', DaoConf: { AdapterType: 'redis', RedisName: 'main' } }],
        FeatureConfs: { hot_scene: { FeatureLoadConfs: [{ FeatureDaoConf: { AdapterType: 'redis', RedisName: 'main', FeatureStore: 'item' } }] } },
      });
      assert.deepEqual(paths(raw), []);
    }
  });

  it('reports unknown RedisNames, a missing one and FeatureConfs for an unknown scene', () => {
    const raw = withRedis({
      RedisConfs: { main: {} },
      FilterConfs: [
        { Name: 'a', FilterType: 'User2ItemExposureFilter', DaoConf: { AdapterType: 'redis', RedisName: 'nope' } },
        { Name: 'b', FilterType: 'User2ItemExposureFilter', DaoConf: { AdapterType: 'redis' } },
      ],
      FeatureConfs: {
        hot_scene: { FeatureLoadConfs: [{ FeatureDaoConf: { AdapterType: 'redis', RedisName: 'other', FeatureStore: 'user' } }] },
        no_scene: { FeatureLoadConfs: [] },
      },
    });
    assert.deepEqual(paths(raw).sort(), [
      '$.FeatureConfs.hot_scene.FeatureLoadConfs[0].FeatureDaoConf.RedisName',
      '$.FeatureConfs.no_scene',
      '$.FilterConfs[0].DaoConf.RedisName',
      '$.FilterConfs[1].DaoConf.RedisName',
    ]);
  });
});

describe('examples/redis.json', () => {
  it('is a valid config', async () => {
    const { readFileSync } = await import('node:fs');
    const raw = JSON.parse(readFileSync(new URL('../../../examples/redis.json', import.meta.url), 'utf8')) as unknown;
    const config = parseConfig(raw, builtinVocabulary(createDefaultRegistry()));
    assert.equal(config.FilterConfs[0]?.DaoConf?.AdapterType, 'redis');
    assert.deepEqual(Object.keys(config.RedisConfs), ['main']);
  });
});
