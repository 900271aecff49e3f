import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/validate.js';
import { warnIgnoredKeys } from '../../src/config/compatibility.js';
import { stageKeysOf } from '../../src/config/stage-confs.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { PAIREC_TOP_LEVEL_KEYS } from '../../src/config/pairec-names.js';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { recommendRequest } from '../helpers/request.js';

const vocab = builtinVocabulary(createDefaultRegistry());
/** The config PaiRec's project generator writes for a new project (its keys and values). */
const template = (): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL('../../../test/fixtures/pairec/project-template.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function problemsOf(raw: unknown): { code: string; path: string | undefined }[] {
  try {
    parseConfig(raw, vocab);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => ({ code: p.code, path: p.path }));
  }
  return [];
}

describe('PaiRec config forms', () => {
  it('the project template loads: FilterNames/SortNames "default" serve every scene, LogLevel "INFO", empty blocks dropped and named', () => {
    const config = parseConfig(template(), vocab);
    assert.deepEqual(config.FilterNames, { home_feed: ['UniqueFilter'] });
    assert.deepEqual(config.SortNames, { home_feed: ['ItemRankScore'] });
    assert.equal(config.LogConf.LogLevel, 'info');
    assert.equal(config.ABTestConf, undefined, 'an A/B block holding only an empty Host and Token is no experiment block');
    const lines: Record<string, unknown>[] = [];
    warnIgnoredKeys(template(), pino({}, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) }), stageKeysOf(vocab));
    assert.deepEqual(
      lines.map((l) => l.emptyBlocks ?? l.ignoredKeys),
      [
        ['KafkaConfs', 'ABTestConf.Host', 'ABTestConf.Token'],
        ['RunMode', 'LogConf.RetensionDays', 'LogConf.DiskSize'],
      ],
    );
  });

  it('the template serves its scene in process (MockRecall, the default filters and sorts)', async () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      await engine.reload(template());
      const { items } = await recommend(engine, recommendRequest({ uid: 'u1', sceneId: 'home_feed', size: 10 }));
      assert.equal(items.length, 10);
      assert.ok(items.every((c) => c.retrieveId === 'mock_recall'));
      assert.deepEqual(
        items.map((c) => c.score),
        items.map((c) => c.score).sort((a, b) => b - a),
        'ItemRankScore from SortNames.default',
      );
    } finally {
      await engine.close();
    }
  });

  it('a block of a feature not supported is an error once written out; an A/B platform Host too', () => {
    const raw = { ...template(), KafkaConfs: { k: { BootstrapServers: 'x:9092' } }, UserFeatureConfs: {}, ABTestConf: { Host: 'abtest.example', Token: 't' } };
    assert.deepEqual(problemsOf(raw), [
      { code: 'ERR_CONFIG_NOT_SUPPORTED', path: '$.ABTestConf.Host' },
      { code: 'ERR_CONFIG_NOT_SUPPORTED', path: '$.KafkaConfs' },
    ]);
  });

  it('"default" fills only scenes without their own list, and a scene named "default" keeps it as its own', () => {
    const scenes = { home_feed: { default: { RecallNames: ['mock_recall'] } }, detail: { default: { RecallNames: ['mock_recall'] } } };
    const own = parseConfig({ ...template(), SceneConfs: scenes, FilterNames: { default: ['UniqueFilter'], detail: [] } }, vocab);
    assert.deepEqual(own.FilterNames, { detail: [], home_feed: ['UniqueFilter'] });
    const named = parseConfig({ ...template(), SceneConfs: { ...scenes, default: scenes.detail }, FilterNames: { default: ['UniqueFilter'] } }, vocab);
    assert.deepEqual(named.FilterNames, { default: ['UniqueFilter'] });
  });

  it('LogLevel in any case, and still only a known level', () => {
    assert.equal(parseConfig({ ...template(), LogConf: { LogLevel: 'Warn' } }, vocab).LogConf.LogLevel, 'warn');
    assert.deepEqual(problemsOf({ ...template(), LogConf: { LogLevel: 'LOUD' } }), [{ code: 'ERR_CONFIG_INVALID', path: '$.LogConf.LogLevel' }]);
  });
});

/** The fields PaiRec declares as slices: their empty form is `[]`. */
const LISTS = new Set(['AlgoConfs', 'RecallConfs', 'FilterConfs', 'BeFilterConfs', 'SortConfs', 'DPPConf']);

describe('PaiRec top-level keys', () => {
  it('none is an unknown key: each loads empty, and written out is honoured or "not supported"', () => {
    for (const key of PAIREC_TOP_LEVEL_KEYS) {
      const emptyForm = key === 'RunMode' || key === 'Region' ? '' : LISTS.has(key) ? [] : {};
      const empty = problemsOf({ ...template(), [key]: emptyForm });
      assert.ok(
        empty.every((p) => p.path !== `$.${key}`),
        `${key} empty: ${JSON.stringify(empty)}`,
      );
      const used = problemsOf({ ...template(), [key]: key === 'RunMode' || key === 'Region' ? 'product' : LISTS.has(key) ? [{ x: 1 }] : { x: { y: 1 } } });
      assert.ok(!used.some((p) => p.path === `$.${key}` && p.code !== 'ERR_CONFIG_NOT_SUPPORTED'), `${key}: ${JSON.stringify(used)}`);
    }
  });
});
