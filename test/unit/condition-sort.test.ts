import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { conditionSort } from '../../src/pipeline/sort/condition.js';
import { SORT_TYPES } from '../../src/pipeline/sort/index.js';
import type { Sort, SortConf } from '../../src/pipeline/sort/index.js';
import type { Candidate } from '../../src/pipeline/context.js';
import { parseConfig } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { recommendRequest } from '../helpers/request.js';
import { stageContext } from '../helpers/pipeline.js';

const cand = (id: string, score: number): Candidate => ({ itemId: id, row: -1, retrieveId: 'r', recallScore: score, score });
const ids = (list: readonly Candidate[]): string[] => list.map((c) => c.itemId);
/** Marker sorts: each reorders in a way that tells which one ran. */
const MARKERS: Record<string, Sort> = {
  asc: (c) => c.slice().sort((a, b) => a.score - b.score),
  desc: (c) => c.slice().sort((a, b) => b.score - a.score),
  rev: (c) => c.slice().reverse(),
};
const build = (confs: Record<string, unknown>): Sort =>
  conditionSort.create({ Name: 'cs', SortType: 'ConditionSort', ConditionSortConfs: confs } as SortConf, { sortNamed: (n) => MARKERS[n] });
const withUser = (features: Record<string, string | number>) => ({ ...stageContext(undefined), userFeatures: features });

describe('ConditionSort (PaiRec): the sort is chosen by the user’s features', () => {
  const list = [cand('a', 2), cand('b', 3), cand('c', 1)];
  const routes = {
    SortConfs: [
      { Conditions: [{ Name: 'level', Operator: 'equal', Value: 'vip' }], SortName: 'asc' },
      { Conditions: [{ Name: 'age', Operator: 'greater', Value: 30 }], SortName: 'rev' },
    ],
    DefaultSortName: 'desc',
  };

  it('the first matching entry runs; no match runs DefaultSortName; neither leaves the order', () => {
    const sort = build(routes);
    assert.deepEqual(ids(sort(list.slice(), withUser({ level: 'vip', age: 40 }))), ['c', 'a', 'b']);
    assert.deepEqual(ids(sort(list.slice(), withUser({ level: 'normal', age: 40 }))), ['c', 'b', 'a']);
    assert.deepEqual(ids(sort(list.slice(), withUser({ level: 'normal', age: 20 }))), ['b', 'a', 'c']);
    assert.deepEqual(ids(build({ SortConfs: routes.SortConfs })(list.slice(), withUser({}))), ['a', 'b', 'c']);
  });

  it('matches a reference walk of the rules for any user (property)', () => {
    const sort = build(routes);
    fc.assert(
      fc.property(fc.constantFrom('vip', 'normal', 'gold'), fc.integer({ min: 0, max: 90 }), (level, age) => {
        const expected = level === 'vip' ? 'asc' : age > 30 ? 'rev' : 'desc';
        const ref = MARKERS[expected];
        assert.ok(ref);
        assert.deepEqual(ids(sort(list.slice(), withUser({ level, age }))), ids(ref(list.slice(), withUser({}))));
      }),
      { numRuns: 200 },
    );
  });
});

describe('ConditionSort at config load', () => {
  const base = (sorts: unknown[], sortNames = ['route']) => ({
    RecallConfs: [{ Name: 'm', RecallType: 'MockRecall', RecallCount: 5 }],
    SceneConfs: { s: { default: { RecallNames: ['m'] } } },
    SortConfs: sorts,
    SortNames: { s: sortNames },
  });
  const problems = (raw: unknown): string[] => {
    try {
      parseConfig(raw, builtinVocabulary(createDefaultRegistry()));
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.map((p) => p.message);
      throw err;
    }
  };
  const route = (name: string, to: string[], fallback?: string) => ({
    Name: name,
    SortType: 'ConditionSort',
    ConditionSortConfs: {
      SortConfs: to.map((SortName) => ({ Conditions: [{ Name: 'level', Operator: 'equal', Value: 'vip' }], SortName })),
      ...(fallback ? { DefaultSortName: fallback } : {}),
    },
  });

  it('accepts SortConfs names and bare sort types; names a missing sort, a bare type that needs keys, and a circle', () => {
    const boost = { Name: 'boost', SortType: 'BoostScoreSort', BoostScoreConditions: [{ Expression: 'score * 2', Conditions: [] }] };
    assert.deepEqual(problems(base([route('route', ['boost'], 'ItemRankScore'), boost])), []);
    assert.deepEqual(problems(base([route('route', ['nope'], 'DiversityRuleSort')])), [
      '$.SortConfs[0].ConditionSortConfs.SortConfs[0].SortName: no sort named "nope" in SortConfs, and no sort type usable by that name',
      '$.SortConfs[0].ConditionSortConfs.DefaultSortName: no sort named "DiversityRuleSort" in SortConfs, and no sort type usable by that name',
    ]);
    assert.deepEqual(problems(base([route('route', ['other']), route('other', ['ItemRankScore'], 'route')])), [
      '$.SortConfs[0]: runs itself through route → other → route',
    ]);
    assert.deepEqual(problems(base([route('route', ['route'])])), ['$.SortConfs[0]: runs itself through route → route']);
  });

  it('reads PaiRec\'s form of the conditions: Domain "user" (what they test here) and Type converting the Value', () => {
    const pairec = route('route', ['ItemRankScore']);
    pairec.ConditionSortConfs.SortConfs[0] = {
      Conditions: [{ Name: 'age', Domain: 'user', Operator: 'greater', Type: 'int', Value: '30' }],
      SortName: 'ItemRankScore',
    } as never;
    assert.deepEqual(problems(base([pairec])), []);
    const parsed = parseConfig(base([pairec]), builtinVocabulary(createDefaultRegistry())) as unknown as {
      SortConfs: { ConditionSortConfs: { SortConfs: { Conditions: unknown[] }[] } }[];
    };
    assert.deepEqual(parsed.SortConfs[0]?.ConditionSortConfs.SortConfs[0]?.Conditions, [{ Name: 'age', Operator: 'greater', Value: 30 }]);
    const item = route('route', ['ItemRankScore']);
    item.ConditionSortConfs.SortConfs[0] = {
      Conditions: [{ Name: 'age', Domain: 'item', Operator: 'greater', Value: 30 }],
      SortName: 'ItemRankScore',
    } as never;
    assert.deepEqual(problems(base([item])), [
      '$.SortConfs[0].ConditionSortConfs.SortConfs[0].Conditions[0].Domain: these conditions test the user\'s features; "item" is not supported here',
    ]);
  });

  it('routes real requests by their features through an engine', async () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      await engine.reload({
        ...base([
          route('route', ['lowest_first'], 'ItemRankScore'),
          { Name: 'lowest_first', SortType: 'BoostScoreSort', BoostScoreConditions: [{ Expression: '0 - score', Conditions: [] }] },
        ]),
      });
      const scores = async (features: Record<string, string>): Promise<number[]> =>
        (await recommend(engine, recommendRequest({ uid: 'u', sceneId: 's', size: 5, features }))).items.map((i) => i.score);
      const vip = await scores({ level: 'vip' });
      const other = await scores({ level: 'normal' });
      assert.equal(vip.length, 5);
      assert.deepEqual(
        vip,
        [...vip].sort((a, b) => b - a),
        'the boost ran: scores negated, then by score',
      );
      assert.ok(vip.every((s) => s <= 0) && other.every((s) => s >= 0), 'vip scores were rewritten, the others were not');
      assert.deepEqual(
        other,
        [...other].sort((a, b) => b - a),
      );
    } finally {
      await engine.close();
    }
  });

  it('is registered', () => {
    assert.equal(SORT_TYPES.get('ConditionSort'), conditionSort);
  });
});
