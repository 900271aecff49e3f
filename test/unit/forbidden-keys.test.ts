import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FORBIDDEN_KEYS, findNestingProblem } from '../../src/forbidden-keys.js';
import { parseConfig } from '../../src/config/validate.js';
import { parseJsonBody } from '../../src/server/json-body.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError, PairecError } from '../../src/errors.js';

const vocab = builtinVocabulary(createDefaultRegistry());

/** Wraps `inner` in `levels` containers, alternating arrays and objects. */
const nest = (inner: unknown, levels: number): unknown => {
  let v = inner;
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
};

describe('the one walk for forbidden keys and nesting depth', () => {
  it('property: finds a forbidden key planted anywhere in JSON, by its path, and nothing in clean JSON', () => {
    const json = fc.jsonValue({ maxDepth: 4 }).filter((v) => findNestingProblem(v, 16) === undefined);
    fc.assert(
      fc.property(
        json,
        fc.constantFrom(...FORBIDDEN_KEYS),
        fc.array(fc.oneof(fc.nat({ max: 3 }), fc.string({ maxLength: 4 })), { maxLength: 5 }),
        (clean, key, route) => {
          assert.equal(findNestingProblem(JSON.parse(JSON.stringify(clean)), 16), undefined);
          // Plant `key` at the end of `route` (array indices become arrays), through JSON text
          // as a request or a config file would arrive.
          let planted: unknown = JSON.parse(`{${JSON.stringify(key)}: 1}`);
          const segments: (string | number)[] = [];
          for (const step of [...route].reverse()) {
            const s = typeof step === 'string' && FORBIDDEN_KEYS.has(step) ? `${step}_` : step;
            planted =
              typeof s === 'number' ? [...Array.from({ length: s }, () => null), planted] : JSON.parse(`{${JSON.stringify(s)}: ${JSON.stringify(planted)}}`);
            segments.unshift(s);
          }
          const found = findNestingProblem(JSON.parse(JSON.stringify(planted)), 16);
          assert.deepEqual(found, { kind: 'key', segments: [...segments, key] });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports the first problem in document order, and containers nested maxDepth deep', () => {
    assert.deepEqual(findNestingProblem(JSON.parse('{"a":[1,{"b":{"constructor":1}}],"prototype":2}'), 16), {
      kind: 'key',
      segments: ['a', 1, 'b', 'constructor'],
    });
    assert.equal(findNestingProblem(nest(1, 4), 4), undefined);
    assert.equal(findNestingProblem(nest(null, 4), 4), undefined, 'null is a value, not a container');
    assert.deepEqual(findNestingProblem(nest(1, 5), 4), { kind: 'depth', segments: [0, 'k', 0, 'k'] });
    assert.equal(findNestingProblem(nest('deep', 100_000), 16)?.kind, 'depth', 'no stack overflow');
  });

  it('a config nested deeper than 64 levels is refused with its path, not walked without bound', () => {
    const raw = { performance: nest(JSON.parse('{"__proto__":{"x":1}}'), 70) };
    const err = (() => {
      try {
        parseConfig(raw, vocab);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /\$\.performance\.k\[0\]\.k.*: nests deeper than 64 levels/);
  });

  it('a request body and a config name the same key by the same path', () => {
    const text = '{"uid":"1","features":{"a":[{"prototype":1}]}}';
    assert.throws(
      () => parseJsonBody(text),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_FORBIDDEN_KEY' && e.message.startsWith('features.a[0].prototype'),
    );
    assert.throws(() => parseConfig(JSON.parse(text) as unknown, vocab), /\$\.features\.a\[0\]\.prototype: forbidden key/);
  });
});
