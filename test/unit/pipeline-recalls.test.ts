import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RECALL_TYPES } from '../../src/pipeline/recall/index.js';
import { parseEntry, parseScoredList, toScoredList } from '../../src/pipeline/recall/scored-list.js';
import { bucketOf, groupsOf, triggerValues, MAX_GROUPS } from '../../src/pipeline/recall/triggers.js';
import { aggregateNeighbours, normalized } from '../../src/pipeline/recall/user-cf.js';
import type { RecallConf } from '../../src/config/schema.js';
import type { RecallEnv } from '../../src/pipeline/recall/index.js';
import type { PipelineContext } from '../../src/pipeline/context.js';
import { parseConfig } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { stageContext, tinyCatalog } from '../helpers/pipeline.js';
import { testMetrics } from '../helpers/context.js';

const recall = (conf: Partial<RecallConf> & { RecallType: string; readonly [key: string]: unknown }, env: RecallEnv) => {
  const def = RECALL_TYPES.get(conf.RecallType);
  assert.ok(def, conf.RecallType);
  return def.create({ Name: 'r', RecallCount: 300, ...conf } as RecallConf, env);
};
const withUser = (ctx: PipelineContext, features: Record<string, string | number>): PipelineContext => ({ ...ctx, userFeatures: features });

describe('stored item lists (PaiRec u2i / i2i format)', () => {
  it('parses "id:score" and bare ids; the last colon splits; a non-numeric suffix is part of the id', () => {
    assert.deepEqual(parseScoredList('a:0.9, b:0.5,c,,d:x,e:1e-3', 0), [
      { id: 'a', score: 0.9 },
      { id: 'b', score: 0.5 },
      { id: 'c', score: 0 },
      { id: 'd:x', score: 0 },
      { id: 'e', score: 0.001 },
    ]);
    assert.deepEqual(parseEntry('ns:item:2', 1), { id: 'ns:item', score: 2 });
    assert.equal(parseEntry('  ', 1), undefined);
    assert.deepEqual(parseScoredList('a,b,c', 1, 2), [
      { id: 'a', score: 1 },
      { id: 'b', score: 1 },
    ]);
  });

  it('reads GET / LRANGE / ZREVRANGE WITHSCORES replies; a missing key is empty', () => {
    assert.deepEqual(toScoredList('string', null, 0, 10), []);
    assert.deepEqual(toScoredList('list', ['x:2', 'y'], 1, 10), [
      { id: 'x', score: 2 },
      { id: 'y', score: 1 },
    ]);
    assert.deepEqual(toScoredList('zset', ['x', '3', 'y', '1.5'], 0, 1), [{ id: 'x', score: 3 }]);
  });

  it('property: a formatted list parses back, at most `limit` entries', () => {
    const entry = fc.record({ id: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), score: fc.double({ min: -1e6, max: 1e6, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), fc.integer({ min: 0, max: 50 }), (list, limit) => {
        const raw = list.map((e) => `${e.id}:${e.score}`).join(',');
        // Plain objects, and -0 prints as "0".
        const want = list.slice(0, limit).map((e) => ({ id: e.id, score: e.score === 0 ? 0 : e.score }));
        assert.deepEqual(parseScoredList(raw, 0, limit), want);
      }),
    );
  });
});

describe('UserGroupHotRecall triggers', () => {
  it('buckets numbers by Boundaries', () => {
    assert.equal(bucketOf(5, [10, 20]), '<10');
    assert.equal(bucketOf(10, [20, 10]), '10-20');
    assert.equal(bucketOf(25, [10, 20]), '>=20');
  });

  it('takes several values from a comma string, DefaultValue when missing, and combines triggers', () => {
    assert.deepEqual(triggerValues({ TriggerKey: 'category' }, 'cat_1, cat_4,cat_1', true), ['cat_1', 'cat_4']);
    assert.deepEqual(triggerValues({ TriggerKey: 'category', DefaultValue: 'cat_0' }, undefined, true), ['cat_0']);
    assert.deepEqual(triggerValues({ TriggerKey: 'category', DefaultValue: 'cat_0' }, undefined, false), []);
    const user: Record<string, unknown> = { category: 'a,b', age: 33 };
    assert.deepEqual(
      groupsOf([{ TriggerKey: 'category' }, { TriggerKey: 'age', Boundaries: [18, 30, 50] }], (k) => user[k], true),
      ['a_30-50', 'b_30-50'],
    );
    assert.deepEqual(
      groupsOf([{ TriggerKey: 'category' }, { TriggerKey: 'gender' }], (k) => user[k], true),
      [],
      'a trigger without a value: no group',
    );
    const many = Array.from({ length: 40 }, (_, i) => `c${i}`).join(',');
    assert.equal(groupsOf([{ TriggerKey: 'category' }], () => many, true).length, MAX_GROUPS);
  });
});

describe('UserGroupHotRecall from the catalog', () => {
  const catalog = tinyCatalog([
    { category: 'a', popularity: 0.1 },
    { category: 'b', popularity: 0.9 },
    { category: 'a', popularity: 0.5 },
    { category: 'b', popularity: 0.2 },
    { category: 'c', popularity: 1.0 },
  ]);

  it("serves the user's category by popularity; several categories merge; retrieve_id is the recall's name", async () => {
    const src = recall({ Name: 'group_hot', RecallType: 'UserGroupHotRecall', RecallCount: 3 }, { catalog });
    const a = await src.recall(withUser(stageContext(catalog), { category: 'a' }));
    assert.deepEqual(
      a.map((c) => [c.itemId, c.retrieveId, c.recallScore]),
      [
        ['3', 'group_hot', 0.5],
        ['1', 'group_hot', 0.1],
      ],
    );
    const ab = await src.recall(withUser(stageContext(catalog), { category: 'a,b' }));
    assert.deepEqual(
      ab.map((c) => c.itemId),
      ['2', '3', '4'],
    );
    assert.deepEqual(await src.recall(stageContext(catalog)), [], 'no category, no default: nothing');
    // Each request gets its own copies: rank writes scores.
    const again = await src.recall(withUser(stageContext(catalog), { category: 'a' }));
    assert.notEqual(again[0], a[0]);
  });

  it('uses a trigger DefaultValue for a user without the feature', async () => {
    const src = recall({ RecallType: 'UserGroupHotRecall', Triggers: [{ TriggerKey: 'category', DefaultValue: 'c' }] }, { catalog });
    assert.deepEqual(
      (await src.recall(stageContext(catalog))).map((c) => c.itemId),
      ['5'],
    );
  });
});

describe('UserCollaborativeFilterRecall aggregation', () => {
  it('normalizes by the best score as PaiRec does, and leaves a list without a positive score alone', () => {
    assert.deepEqual(
      normalized([
        { id: 'a', score: 4 },
        { id: 'b', score: 1 },
      ]),
      [
        { id: 'a', score: 1 },
        { id: 'b', score: 0.25 },
      ],
    );
    assert.deepEqual(normalized([{ id: 'a', score: 0 }]), [{ id: 'a', score: 0 }]);
  });

  it('sums weight × similarity over history items, leaves the history out, best first', () => {
    const out = aggregateNeighbours(
      [
        { id: 'h1', score: 1 },
        { id: 'h2', score: 2 },
      ],
      [
        [
          { id: 'a', score: 0.9 },
          { id: 'b', score: 0.5 },
          { id: 'h2', score: 1 },
        ],
        [
          { id: 'b', score: 0.4 },
          { id: 'c', score: 0.1 },
        ],
      ],
      10,
    );
    assert.deepEqual(
      out.map((e) => e.id),
      ['b', 'a', 'c'],
    );
    assert.ok(Math.abs((out[0]?.score ?? 0) - 1.3) < 1e-9);
  });

  it('property: each item once, none from the history, sorted, at most `count`, scores are the sums', () => {
    const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const scored = fc.record({ id, score: fc.integer({ min: 0, max: 10 }) });
    fc.assert(
      fc.property(
        fc.uniqueArray(scored, { selector: (s) => s.id, maxLength: 4 }),
        fc.array(fc.array(scored, { maxLength: 6 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 8 }),
        (history, nbrs, count) => {
          const out = aggregateNeighbours(history, nbrs, count);
          assert.ok(out.length <= count);
          assert.equal(new Set(out.map((o) => o.id)).size, out.length);
          for (const o of out) assert.ok(!history.some((h) => h.id === o.id));
          for (let i = 1; i < out.length; i++) assert.ok((out[i - 1]?.score ?? 0) >= (out[i]?.score ?? 0));
          for (const o of out) {
            const want = history.reduce((s, h, i) => s + (nbrs[i] ?? []).filter((n) => n.id === o.id).reduce((t, n) => t + h.score * n.score, 0), 0);
            assert.equal(o.score, want);
          }
        },
      ),
    );
  });
});

describe('Redis-backed recall sources without a client', () => {
  it('fail (the fan-out reports them) and count pairec_redis_failures_total{operation="recall"}', async () => {
    const metrics = testMetrics();
    const env: RecallEnv = { catalog: undefined, redis: () => undefined, metrics };
    const srcs = [
      recall({ RecallType: 'UserCustomRecall', DaoConf: { AdapterType: 'redis', RedisName: 'main', RedisPrefix: 'u2i:', RedisDataType: 'string' } }, env),
      recall(
        {
          RecallType: 'UserCollaborativeFilterRecall',
          UserCollaborativeDaoConf: {
            AdapterType: 'redis',
            RedisName: 'main',
            User2ItemTable: 'h:',
            Item2ItemTable: 'i2i:',
            User2ItemDataType: 'list',
            Item2ItemDataType: 'string',
            TriggerCount: 5,
            Normalization: 'on',
          },
        },
        env,
      ),
    ];
    for (const s of srcs) await assert.rejects(s.recall(stageContext(undefined)));
    const { values } = await metrics.redisFailures.get();
    assert.deepEqual(
      values.map((v) => [v.labels.redis, v.labels.operation, v.value]),
      [['main', 'recall', 2]],
    );
  });
});

describe('recall config checks', () => {
  const vocab = builtinVocabulary(createDefaultRegistry());
  const base = (recall: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    RecallConfs: [{ Name: 'r', ...recall }],
    SceneConfs: { s: { default: { RecallNames: ['r'] } } },
    ...extra,
  });
  const problems = (raw: unknown): string[] => {
    try {
      parseConfig(raw, vocab);
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems.map((p) => p.message);
    }
  };

  it('accepts each new type with its keys', () => {
    const redis = { RedisConfs: { main: {} } };
    assert.deepEqual(problems(base({ RecallType: 'UserCustomRecall', DaoConf: { AdapterType: 'redis', RedisName: 'main' } }, redis)), []);
    assert.deepEqual(
      problems(base({ RecallType: 'UserCollaborativeFilterRecall', UserCollaborativeDaoConf: { AdapterType: 'redis', RedisName: 'main' } }, redis)),
      [],
    );
    assert.deepEqual(
      problems(base({ RecallType: 'ItemCollaborativeFilterRecall', ItemCollaborativeDaoConf: { AdapterType: 'redis', RedisName: 'main' } }, redis)),
      [],
    );
    const holo = { HologresConfs: { h: { DSN: 'postgres://x@127.0.0.1/db' } } };
    const u2i2i = { AdapterType: 'hologres', HologresName: 'h', User2ItemTable: 'public.u2i', Item2ItemTable: 'i2i' };
    assert.deepEqual(problems(base({ RecallType: 'UserCollaborativeFilterRecall', UserCollaborativeDaoConf: u2i2i }, holo)), []);
    assert.deepEqual(problems(base({ RecallType: 'UserGroupHotRecall', Triggers: [{ TriggerKey: 'category' }] }, { CatalogConf: {} })), []);
  });

  it('names the missing key, a key of another type and an unknown Redis by JSON path', () => {
    assert.deepEqual(problems(base({ RecallType: 'UserCustomRecall' })), ['$.RecallConfs[0].DaoConf: required by UserCustomRecall']);
    assert.deepEqual(problems(base({ RecallType: 'UserCollaborativeFilterRecall' })), [
      '$.RecallConfs[0].UserCollaborativeDaoConf: required by UserCollaborativeFilterRecall',
    ]);
    assert.deepEqual(problems(base({ RecallType: 'UserGlobalHotRecall', Triggers: [{ TriggerKey: 'x' }] }, { CatalogConf: {} })), [
      '$.RecallConfs[0].Triggers: does not apply to UserGlobalHotRecall',
    ]);
    assert.deepEqual(problems(base({ RecallType: 'UserCustomRecall', DaoConf: { AdapterType: 'redis', RedisName: 'nope' } })), [
      '$.RecallConfs[0].DaoConf.RedisName: no Redis named "nope" in RedisConfs',
    ]);
  });
});

describe('collaborative-filter recalls: PaiRec meanings at load', () => {
  const vocab = builtinVocabulary(createDefaultRegistry());
  const problems = (recall: Record<string, unknown>, extra: Record<string, unknown> = {}): string[] => {
    try {
      parseConfig({ RecallConfs: [{ Name: 'r', ...recall }], SceneConfs: { s: { default: { RecallNames: ['r'] } } }, ...extra }, vocab);
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems.map((p) => p.message);
    }
  };

  it('ItemCollaborativeFilterRecall with the old UserCollaborativeDaoConf is refused, naming the path and UserCollaborativeFilterRecall', () => {
    const out = problems(
      { RecallType: 'ItemCollaborativeFilterRecall', UserCollaborativeDaoConf: { AdapterType: 'redis', RedisName: 'main' } },
      { RedisConfs: { main: {} } },
    );
    const moved = out.find((m) => m.startsWith('$.RecallConfs[0].UserCollaborativeDaoConf: '));
    assert.ok(moved, out.join('\n'));
    assert.match(moved, /use RecallType "UserCollaborativeFilterRecall"/);
    assert.match(moved, /item_id/);
  });

  it('SQL DAOs name a configured connection and real table names; Redis DAOs a RedisConfs entry', () => {
    assert.deepEqual(problems({ RecallType: 'UserCollaborativeFilterRecall', UserCollaborativeDaoConf: { AdapterType: 'mysql', MysqlName: 'nope' } }), [
      '$.RecallConfs[0].UserCollaborativeDaoConf.MysqlName: no MySQL named "nope" in MysqlConfs',
      '$.RecallConfs[0].UserCollaborativeDaoConf.User2ItemTable: required by AdapterType "mysql": a table name (schema.table or table)',
      '$.RecallConfs[0].UserCollaborativeDaoConf.Item2ItemTable: required by AdapterType "mysql": a table name (schema.table or table)',
    ]);
    assert.deepEqual(
      problems({ RecallType: 'ItemCollaborativeFilterRecall', ItemCollaborativeDaoConf: { AdapterType: 'hologres', Item2ItemTable: 'i2i; drop' } }),
      [
        '$.RecallConfs[0].ItemCollaborativeDaoConf.HologresName: required: the name of a HologresConfs entry',
        '$.RecallConfs[0].ItemCollaborativeDaoConf.Item2ItemTable: required by AdapterType "hologres": a table name (schema.table or table)',
      ],
    );
    assert.deepEqual(problems({ RecallType: 'ItemCollaborativeFilterRecall', ItemCollaborativeDaoConf: { AdapterType: 'redis' } }), [
      '$.RecallConfs[0].ItemCollaborativeDaoConf.RedisName: required: the name of a RedisConfs entry',
    ]);
  });

  it('a request without item_id gets nothing from ItemCollaborativeFilterRecall and touches no store', async () => {
    const env: RecallEnv = { catalog: undefined, redis: () => assert.fail('no Redis read without item_id') };
    const src = recall(
      {
        RecallType: 'ItemCollaborativeFilterRecall',
        ItemCollaborativeDaoConf: { AdapterType: 'redis', RedisName: 'main', Item2ItemTable: 'i2i:', Item2ItemDataType: 'string' },
      },
      env,
    );
    assert.deepEqual(await src.recall(stageContext(undefined)), []);
  });
});
