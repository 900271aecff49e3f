import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/validate.js';
import type { ConfigVocabulary } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { smallConfig } from '../helpers/config.js';

const vocab: ConfigVocabulary = builtinVocabulary(createDefaultRegistry());

function problemsOf(change: (c: Record<string, unknown>) => void): string[] {
  const c = smallConfig('/tmp/unused');
  change(c);
  try {
    parseConfig(c, vocab);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => p.message);
  }
  return [];
}

const withFilter =
  (expr: string) =>
  (c: Record<string, unknown>): void => {
    c.FilterConfs = [{ Name: 'cond', FilterType: 'ConditionFilter', FilterEvaluableExpression: expr }];
    c.FilterNames = { default_scene: ['cond'] };
  };

describe('expression filter at config load', () => {
  it('accepts a condition over catalog fields and declared ones', () => {
    assert.deepEqual(problemsOf(withFilter('category != "cat_1" && popularity > 0.001 && item_id in ["7"]')), []);
    assert.deepEqual(
      problemsOf((c) => {
        withFilter('stock > 0')(c);
        ((c.FilterConfs as Record<string, unknown>[])[0] as Record<string, unknown>).Fields = ['stock'];
      }),
      [],
    );
  });

  const rejected: [string, string, RegExp][] = [
    ['constructor', 'constructor == 1', /FilterEvaluableExpression: .*forbidden name "constructor"/],
    ['a member constructor', 'category.constructor("x")', /forbidden name/],
    ['__proto__', '__proto__ != null', /forbidden name "__proto__"/],
    ['a function not whitelisted', 'eval("1") == 1', /"eval" is not a whitelisted function/],
    ['a method call', 'category.toString() == "x"', /not a whitelisted function/],
    ['an oversized expression', 'popularity > 0 || '.repeat(150) + 'true', /longer than 2048 characters/],
    ['an undeclared field', 'price < 10', /unknown field "price"/],
    ['a syntax error', 'category = "x"', /unexpected "="/],
  ];
  for (const [name, expr, why] of rejected) {
    it(`rejects ${name}`, () => {
      const problems = problemsOf(withFilter(expr));
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0] ?? '', /^\$\.FilterConfs\[0\]\.FilterEvaluableExpression: /);
      assert.match(problems[0] ?? '', why);
    });
  }

  it('rejects a bare expression filter type in FilterNames and a missing expression', () => {
    assert.match(problemsOf((c) => (c.FilterNames = { default_scene: ['ConditionFilter'] })).join('\n'), /needs an entry with its keys/);
    assert.match(
      problemsOf((c) => {
        c.FilterConfs = [{ Name: 'cond', FilterType: 'ConditionFilter' }];
      }).join('\n'),
      /FilterEvaluableExpression: required by ConditionFilter/,
    );
  });
});

describe('sort, state filter and fallback keys at config load', () => {
  it('checks fields, expressions and recall names', () => {
    const problems = problemsOf((c) => {
      c.FilterConfs = [{ Name: 'state', FilterType: 'ItemStateFilter', FilterParams: [{ Name: 'stok', Operator: 'greater', Value: 0 }] }];
      c.SortConfs = [
        { Name: 'div', SortType: 'DiversityRuleSort', DiversityRules: [{ Dimensions: ['categry'] }] },
        { Name: 'boost', SortType: 'BoostScoreSort', BoostScoreConditions: [{ Expression: 'score * constructor' }] },
        { Name: 'mix', SortType: 'MultiRecallMixSort', MixSortRules: [{ Positions: [1], RecallNames: ['nope'] }] },
      ];
    });
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems.join('\n'), /FilterParams\[0\]: unknown field "stok"/);
    assert.match(problems.join('\n'), /Dimensions\[0\]: unknown field "categry"/);
    assert.match(problems.join('\n'), /BoostScoreConditions\[0\]\.Expression: .*unknown name "constructor"/);
    assert.match(problems.join('\n'), /RecallNames\[0\]: no recall named "nope"/);
  });

  it('fills defaults of RecallConfs[].Timeout-less recalls, FallbackConfig and the stage guard', () => {
    const c = smallConfig('/tmp/unused');
    (c.SceneConfs as Record<string, Record<string, Record<string, unknown>>>).default_scene = {
      default: { RecallNames: ['vector_recall'], FallbackConfig: {} },
    };
    const config = parseConfig(c, vocab);
    assert.deepEqual(config.SceneConfs.default_scene?.default?.FallbackConfig, { Size: 500 });
    assert.equal(config.performance.min_stage_ms, 5);
    assert.equal(config.RecallConfs[0]?.Timeout, undefined);
  });
});
