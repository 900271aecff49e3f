import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/validate.js';
import type { ConfigVocabulary } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { smallConfig } from '../helpers/config.js';

const vocab: ConfigVocabulary = builtinVocabulary(createDefaultRegistry());

function problemsOf(raw: unknown): { code: string; path: string | undefined }[] {
  try {
    parseConfig(raw, vocab);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    return err.problems.map((p) => ({ code: p.code, path: p.path }));
  }
  return [];
}

/** The paths of every leaf (a value that is not an object or a list) of `v`. */
function leavesOf(v: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) leavesOf(child, [...path, k], out);
  else out.push(path);
  return out;
}

/** A copy of `base` with the leaf at `path` replaced by `value`. */
function withLeaf(base: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const c = structuredClone(base);
  let node = c;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[path[path.length - 1] ?? ''] = value;
  return c;
}

/** smallConfig with one change applied. */
function mutated(change: (c: Record<string, unknown>) => void): Record<string, unknown> {
  const c = smallConfig('/tmp/unused');
  change(c);
  return c;
}

const algo = (c: Record<string, unknown>, i: number): Record<string, unknown> => (c.AlgoConfs as Record<string, unknown>[])[i] as Record<string, unknown>;

describe('config schema', () => {
  it('fills defaults of the spec production block and ListenConf', () => {
    const config = parseConfig({}, vocab);
    assert.equal(config.ListenConf.HttpPort, 8000);
    assert.equal(config.ListenConf.HttpAddr, '0.0.0.0');
    assert.deepEqual(config.performance, {
      worker_pool_size: 100,
      max_concurrent_requests: 1000,
      request_timeout_ms: 5000,
      gc_percent: 100,
      min_stage_ms: 5,
      shed_loop_delay_ms: 1000,
    });
    assert.equal(config.ListenConf.RequestTimeoutMs, 30_000);
    assert.equal(config.ListenConf.HeadersTimeoutMs, 10_000);
    assert.equal(config.ListenConf.KeepAliveTimeoutMs, 72_000);
    assert.equal(config.monitoring.enable_metrics, true);
    assert.equal(config.monitoring.sample_rate, 0.01);
    assert.equal(config.optimization.max_idle_connections, 100);
    assert.deepEqual(config.AlgoConfs, []);
  });

  it('fills an algorithm type’s own defaults (LOOKUP DefaultScore 0.5)', () => {
    const config = parseConfig(smallConfig('/tmp/x'), vocab);
    const lookup = config.AlgoConfs.find((a) => a.Type === 'LOOKUP') as Record<string, Record<string, unknown>> | undefined;
    assert.equal(lookup?.LookupConf?.DefaultScore, 0.5);
  });

  it('does not modify the object it is given', () => {
    const raw = smallConfig('/tmp/x');
    const copy = structuredClone(raw);
    parseConfig(raw, vocab);
    assert.deepEqual(raw, copy);
  });

  const table: { name: string; raw: unknown; code: string; path: string }[] = [
    { name: 'not an object', raw: [], code: 'ERR_CONFIG_INVALID', path: '$' },
    { name: 'unknown top-level key', raw: { Bogus: 1 }, code: 'ERR_CONFIG_INVALID', path: '$.Bogus' },
    { name: 'PaiRec key not supported yet', raw: { BEConfs: { be: { Username: 'u' } } }, code: 'ERR_CONFIG_NOT_SUPPORTED', path: '$.BEConfs' },
    { name: 'wrong type for a port', raw: { ListenConf: { HttpPort: '8000' } }, code: 'ERR_CONFIG_INVALID', path: '$.ListenConf.HttpPort' },
    { name: 'port out of range', raw: { ListenConf: { HttpPort: 70000 } }, code: 'ERR_CONFIG_INVALID', path: '$.ListenConf.HttpPort' },
    { name: 'unknown key in a block', raw: { performance: { worker_pool: 3 } }, code: 'ERR_CONFIG_INVALID', path: '$.performance.worker_pool' },
    { name: 'sample_rate above 1', raw: { monitoring: { sample_rate: 2 } }, code: 'ERR_CONFIG_INVALID', path: '$.monitoring.sample_rate' },
    { name: 'forbidden key', raw: JSON.parse('{"performance":{"__proto__":{"x":1}}}') as unknown, code: 'ERR_CONFIG_INVALID', path: '$.performance.__proto__' },
    {
      name: 'LookupConf without FieldName',
      raw: mutated((c) => (algo(c, 1).LookupConf = {})),
      code: 'ERR_CONFIG_INVALID',
      path: '$.AlgoConfs[1].LookupConf',
    },
    {
      name: 'LookupConf.FieldName of the wrong type',
      raw: mutated((c) => (algo(c, 1).LookupConf = { FieldName: 3 })),
      code: 'ERR_CONFIG_INVALID',
      path: '$.AlgoConfs[1].LookupConf.FieldName',
    },
    {
      name: 'unknown key in LookupConf',
      raw: mutated((c) => (algo(c, 1).LookupConf = { FieldName: 'x', Extra: 1 })),
      code: 'ERR_CONFIG_INVALID',
      path: '$.AlgoConfs[1].LookupConf.Extra',
    },
    {
      name: 'PaiRec algorithm type not supported yet',
      raw: mutated((c) => (algo(c, 1).Type = 'SELDON')),
      code: 'ERR_CONFIG_NOT_SUPPORTED',
      path: '$.AlgoConfs[1].Type',
    },
    { name: 'unknown algorithm type', raw: mutated((c) => (algo(c, 1).Type = 'MAGIC')), code: 'ERR_CONFIG_INVALID', path: '$.AlgoConfs[1].Type' },
    {
      name: 'another type’s conf with settings',
      raw: mutated((c) => (algo(c, 1).EasConf = { Url: 'http://x' })),
      code: 'ERR_CONFIG_INVALID',
      path: '$.AlgoConfs[1].EasConf',
    },
    {
      name: 'duplicate algorithm name',
      raw: mutated((c) => (algo(c, 2).Name = 'popularity_lookup')),
      code: 'ERR_CONFIG_INVALID',
      path: '$.AlgoConfs[2].Name',
    },
    {
      name: 'scene names a missing recall',
      raw: mutated((c) => ((c.SceneConfs as Record<string, unknown>).s2 = { default: { RecallNames: ['nope'] } })),
      code: 'ERR_CONFIG_INVALID',
      path: '$.SceneConfs.s2.default.RecallNames[0]',
    },
    {
      name: 'rank names a retrieval algorithm',
      raw: mutated((c) => (c.RankConf = { default_scene: { RankAlgoList: ['item_ann'] } })),
      code: 'ERR_CONFIG_INVALID',
      path: '$.RankConf.default_scene.RankAlgoList[0]',
    },
    {
      name: 'RankScore naming an algorithm outside RankAlgoList',
      raw: mutated((c) => (c.RankConf = { default_scene: { RankAlgoList: ['similarity_lookup'], RankScore: '${similarity_lookup} * ${other}' } })),
      code: 'ERR_CONFIG_INVALID',
      path: '$.RankConf.default_scene.RankScore',
    },
    {
      name: 'RankScore that does not parse',
      raw: mutated((c) => (c.RankConf = { default_scene: { RankAlgoList: ['similarity_lookup'], RankScore: 'similarity_lookup *' } })),
      code: 'ERR_CONFIG_INVALID',
      path: '$.RankConf.default_scene.RankScore',
    },
    {
      name: 'vector recall names a missing algorithm',
      raw: mutated((c) => (((c.RecallConfs as Record<string, unknown>[])[0] as Record<string, unknown>).AlgoName = 'gone')),
      code: 'ERR_CONFIG_INVALID',
      path: '$.RecallConfs[0].AlgoName',
    },
    {
      name: 'PaiRec recall type not supported yet',
      raw: mutated((c) => (((c.RecallConfs as Record<string, unknown>[])[1] as Record<string, unknown>).RecallType = 'ColdStartRecall')),
      code: 'ERR_CONFIG_NOT_SUPPORTED',
      path: '$.RecallConfs[1].RecallType',
    },
    {
      name: 'PaiRec filter not supported yet',
      raw: mutated((c) => (c.FilterNames = { default_scene: ['CompletelyFairFilter'] })),
      code: 'ERR_CONFIG_NOT_SUPPORTED',
      path: '$.FilterNames.default_scene[0]',
    },
    {
      name: 'sort for an unknown scene',
      raw: mutated((c) => (c.SortNames = { other: ['ItemRankScore'] })),
      code: 'ERR_CONFIG_INVALID',
      path: '$.SortNames.other',
    },
    {
      name: 'catalog missing for ANN',
      raw: mutated((c) => delete c.CatalogConf),
      code: 'ERR_CONFIG_INVALID',
      path: '$.CatalogConf',
    },
  ];
  for (const t of table) {
    it(`rejects ${t.name} at ${t.path}`, () => {
      const problems = problemsOf(t.raw);
      assert.ok(
        problems.some((p) => p.code === t.code && p.path === t.path),
        `expected ${t.code} at ${t.path}, got ${JSON.stringify(problems)}`,
      );
    });
  }

  it('a type name that is not a string (a number, a list, an object whose toString is not callable) is a problem at its path, never a TypeError', () => {
    for (const bad of [7, ['ItemRankScore'], { toString: null }, { valueOf: null, toString: null }, null]) {
      for (const [block, typeKey, base] of [
        ['RecallConfs', 'RecallType', { Name: 'r', RecallCount: 10 }],
        ['FilterConfs', 'FilterType', { Name: 'f' }],
        ['SortConfs', 'SortType', { Name: 's' }],
      ] as const) {
        const raw = mutated((c) => (c[block] = [...((c[block] as unknown[] | undefined) ?? []), { ...base, [typeKey]: bad }]));
        const paths = problemsOf(raw).map((p) => p.path ?? '');
        assert.ok(
          paths.some((p) => p.startsWith(`$.${block}[`)),
          `${block}.${typeKey} = ${JSON.stringify(bad)}: ${paths.join(', ')}`,
        );
      }
    }
  });

  it('every leaf of a valid config replaced by each hostile value: a ConfigError or a config, never another error', () => {
    const base = smallConfig('/tmp/x');
    const leaves = leavesOf(base);
    const hostile: unknown[] = [{ toString: null }, { toString: null, valueOf: null }, [], {}, [{ toString: null }], -0, 1e308, '', 'constructor', null];
    for (const path of leaves) {
      for (const value of hostile) {
        try {
          parseConfig(withLeaf(base, path, value), vocab);
        } catch (err) {
          assert.ok(err instanceof ConfigError, `${path.join('.')} = ${JSON.stringify(value)}: ${String(err)}`);
        }
      }
    }
  });

  it('accepts the shipped example config', async () => {
    const { readFile } = await import('node:fs/promises');
    const raw = JSON.parse(await readFile(new URL('../../../examples/default.json', import.meta.url), 'utf8')) as unknown;
    assert.deepEqual(problemsOf(raw), []);
  });

  it('property: any JSON value either parses or fails with a ConfigError naming a path', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        try {
          parseConfig(value, vocab);
        } catch (err) {
          assert.ok(err instanceof ConfigError);
          assert.ok(err.problems.length > 0);
          for (const p of err.problems) assert.match(p.path ?? '', /^\$/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: replacing any leaf of a valid config never throws anything but a ConfigError', () => {
    const base = smallConfig('/tmp/x');
    const leaves = leavesOf(base);
    fc.assert(
      fc.property(fc.constantFrom(...leaves), fc.jsonValue({ maxDepth: 2 }), (path, value) => {
        try {
          parseConfig(withLeaf(base, path, value), vocab);
        } catch (err) {
          assert.ok(err instanceof ConfigError, String(err));
        }
      }),
      { numRuns: 500 },
    );
  });
});
