import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { distance } from 'fastest-levenshtein';
import { nearestKey } from '../../src/config/nearest-key.js';
import { parseConfig } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { smallConfig } from '../helpers/config.js';

const messages = (raw: unknown): string[] => {
  try {
    parseConfig(raw, builtinVocabulary(createDefaultRegistry()));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.message);
    throw err;
  }
};

describe('unknown keys name the nearest known key', () => {
  it('a typo, a wrong case, or nothing close', () => {
    assert.equal(nearestKey('RecalCount', ['RecallCount', 'RecallType', 'Name']), 'RecallCount');
    assert.equal(nearestKey('filterNames', ['FilterNames', 'SortNames']), 'FilterNames');
    assert.equal(nearestKey('Port', ['Host', 'HttpPort']), undefined, 'two edits are too many for four letters');
    assert.equal(nearestKey('Ab', ['Ac']), undefined, 'short keys get no guess');
    assert.equal(nearestKey('Completely', ['Name', 'Type']), undefined);
  });

  it('never suggests a key farther than a third of the key’s length (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 20 }), (key, known) => {
        const near = nearestKey(key, known);
        if (near === undefined) return;
        assert.ok(known.includes(near) && near !== key);
        const d = near.toLowerCase() === key.toLowerCase() ? 0 : distance(near, key);
        assert.ok(d <= Math.max(key.length < 4 ? 0 : 1, Math.floor(key.length / 3)), `${key} → ${near} (${d})`);
        for (const k of known) if (k !== key) assert.ok((k.toLowerCase() === key.toLowerCase() ? 0 : distance(k, key)) >= d, 'none nearer');
      }),
      { numRuns: 300 },
    );
  });

  it('at the top level, in a recall entry, in an algorithm entry and inside a type’s conf', () => {
    const raw = smallConfig();
    raw.filterNames = {};
    (raw.RecallConfs as Record<string, unknown>[])[1] = { Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecalCount: 50 };
    (raw.AlgoConfs as Record<string, unknown>[])[0] = { Name: 'item_ann', Type: 'ANN', AnnConfs: {} };
    (raw.AlgoConfs as Record<string, unknown>[])[1] = { Name: 'popularity_lookup', Type: 'LOOKUP', LookupConf: { FieldNam: 'popularity' } };
    const got = messages(raw);
    for (const m of [
      '$.filterNames: unknown key (did you mean "FilterNames"?)',
      '$.RecallConfs[1].RecalCount: unknown key (did you mean "RecallCount"?)',
      '$.AlgoConfs[0].AnnConfs: unknown key (did you mean "AnnConf"?)',
      '$.AlgoConfs[1].LookupConf.FieldNam: unknown key (did you mean "FieldName"?)',
    ]) {
      assert.ok(got.includes(m), `${m} in ${JSON.stringify(got)}`);
    }
  });
});
