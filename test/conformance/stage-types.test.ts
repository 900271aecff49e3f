/** The recall, filter and sort types through the conformance suite (stage-suite.ts). */
import assert from 'node:assert/strict';
import { createDefaultPipelineTypes } from '../../src/pipeline/types.js';
import type { Candidate } from '../../src/pipeline/context.js';
import type { FilterConf, RecallConf, SortConf } from '../../src/config/schema.js';
import { MemoryExposureStore } from '../../src/store/exposure-store.js';
import { candidatesOf, stageContext, tinyCatalog } from '../helpers/pipeline.js';
import { stageConformance } from './stage-suite.js';

const all = createDefaultPipelineTypes();
const catalog = tinyCatalog(Array.from({ length: 12 }, (_, i) => ({ category: `c${i % 3}`, popularity: i / 12 })));
/** Twelve catalog candidates from two recalls (the small config's), scores descending. */
const input = (): Candidate[] =>
  candidatesOf(
    catalog,
    'vector_recall',
    Array.from({ length: 12 }, (_, i) => 1 - i / 12),
  ).map((c, i) => ({ ...c, retrieveId: i % 2 === 0 ? 'vector_recall' : 'hot_recall' }));
const ids = (list: readonly Candidate[]): string[] => list.map((c) => c.itemId);

stageConformance({
  kind: 'filter',
  types: all.filter,
  input,
  samples: {
    UniqueFilter: {},
    User2ItemExposureFilter: { TimeInterval: 60 },
    ItemStateFilter: { FilterParams: [{ Name: 'category', Operator: 'not_equal', Value: 'c1' }] },
    ConditionFilter: { FilterEvaluableExpression: 'popularity >= 0.25' },
    User2ItemCustomFilter: { UserBlacklist: { u1: ['1'], '*': ['2'] } },
    AdjustCountFilter: { RetainNum: 5 },
    PriorityAdjustCountFilter: {
      AdjustCountConfs: [
        { RecallName: 'vector_recall', Count: 3, Type: 'fix' },
        { RecallName: 'hot_recall', Count: 2 },
      ],
    },
  },
  contract: async (type, entry, cands) => {
    const exposures = new MemoryExposureStore({ maxItemsPerUser: 10, maxUsers: 10, maxBytes: 1 << 20 });
    const filter = all.filter.get(type)?.create(entry as FilterConf, { exposures });
    assert.ok(filter);
    const before = new Set(cands);
    const out = await filter(cands.slice(), stageContext(catalog, 'u1'));
    assert.ok(
      out.every((c) => before.has(c)),
      'a filter only drops: every output is an input',
    );
    assert.equal(new Set(out).size, out.length, 'no candidate twice');
  },
});

stageConformance({
  kind: 'sort',
  types: all.sort,
  input,
  samples: {
    ItemRankScore: {},
    DiversityRuleSort: { DiversityRules: [{ Dimensions: ['category'], WindowSize: 2, FrequencySize: 1 }] },
    BoostScoreSort: { BoostScoreConditions: [{ Expression: 'score * 2', Conditions: [{ Name: 'category', Operator: 'equal', Value: 'c2' }] }] },
    MultiRecallMixSort: { MixSortRules: [{ MixStrategy: 'fix_position', Positions: [1, 2], RecallNames: ['hot_recall'] }] },
    ConditionSort: { ConditionSortConfs: { SortConfs: [{ Conditions: [{ Name: 'level', Operator: 'equal', Value: 'vip' }], SortName: 'ItemRankScore' }] } },
  },
  contract: (type, entry, cands) => {
    const sort = all.sort.get(type)?.create(entry as SortConf);
    assert.ok(sort);
    const out = sort(cands.slice(), stageContext(catalog, 'u1', 12));
    assert.deepEqual(ids(out).sort(), ids(cands).sort(), 'a sort only reorders');
    return Promise.resolve();
  },
});

stageConformance({
  kind: 'recall',
  types: all.recall,
  input,
  samples: {
    VectorRecall: { AlgoName: 'item_ann', UserEmbedding: { From: 'catalog' } },
    UserGlobalHotRecall: {},
    UserGroupHotRecall: { Triggers: [{ TriggerKey: 'category' }] },
    UserCustomRecall: { DaoConf: { AdapterType: 'redis', RedisName: 'r', RedisPrefix: 'u2i:' } },
    UserCollaborativeFilterRecall: { UserCollaborativeDaoConf: { AdapterType: 'redis', RedisName: 'r' } },
    ItemCollaborativeFilterRecall: { ItemCollaborativeDaoConf: { AdapterType: 'redis', RedisName: 'r', Item2ItemTable: 'i2i:' } },
    MockRecall: { RecallCount: 7 },
  },
  contract: (_type, entry) => {
    // Built without running: a source answers under its entry's name (the scene's recall
    // order, debug and the mix sort's RecallNames rely on it). Running needs each type's
    // store; the per-type tests do that against Redis, Hologres and MySQL.
    const source = all.recall.get(String(entry.RecallType))?.create(entry as RecallConf, { catalog });
    assert.ok(source);
    assert.equal(source.name, entry.Name);
    return Promise.resolve();
  },
});
