import fc from 'fast-check';

/** `[[[…]]]` `depth` levels deep around `inner`. */
const nest = (depth: number, inner: string): string => '['.repeat(depth) + inner + ']'.repeat(depth);

const scene = fc.constantFrom(undefined, 'default_scene', 'hot_scene');
const scalar = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

/** Recommend bodies that should succeed. */
const valid = fc
  .record(
    {
      uid: fc.string({ minLength: 1, maxLength: 12 }),
      size: fc.integer({ min: 1, max: 50 }),
      scene_id: scene,
      features: fc.dictionary(
        fc.string({ maxLength: 10 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k)),
        scalar,
        { maxKeys: 8 },
      ),
      debug: fc.boolean(),
    },
    { requiredKeys: ['uid'] },
  )
  .map((o) => JSON.stringify(o, (_k, v: unknown) => (v === undefined ? undefined : v)));

/** Fields of the right names with values of any type. */
const mistyped = fc
  .record(
    {
      uid: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null), fc.array(fc.string())),
      size: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(1e308)),
      scene_id: scene,
      features: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), fc.jsonValue()),
      item_list: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));

/** Deeply nested values, in features or at the top. */
const nested = fc
  .tuple(fc.integer({ min: 10, max: 4000 }), fc.boolean())
  .map(([depth, inFeatures]) => (inFeatures ? `{"uid":"1","features":{"a":${nest(depth, '1')}}}` : nest(depth, '{"uid":"1"}')));

/** Bodies just over the 64 KiB limit (how far over does not change the answer, only the test's time). */
const huge = fc.integer({ min: 65 * 1024, max: 96 * 1024 }).map((n) => `{"uid":"${'x'.repeat(n)}"}`);

/** Prototype pollution attempts, at the top, in features, in nested arrays, spelt with escapes. */
const pollution = fc
  .tuple(
    fc.constantFrom('"__proto__"', '"constructor"', '"prototype"', '"\\u005f_proto__"', '"__pro\\u0074o__"'),
    fc.constantFrom('top', 'features', 'array', 'callback'),
  )
  .map(([key, where]) => {
    const payload = `{${key}:{"polluted":1,"prototype":{"polluted":1}}}`;
    switch (where) {
      case 'top':
        return `{${key}:{"polluted":1},"uid":"1"}`;
      case 'features':
        return `{"uid":"1","features":${payload}}`;
      case 'array':
        return `{"uid":"1","features":{"a":[[${payload}]]}}`;
      default:
        return `{"uid":"1","item_list":[{"item_id":"1",${key}:{"polluted":1}}]}`;
    }
  });

/** Text that is not JSON at all, or JSON of the wrong shape. */
const garbage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.constantFrom('', '{', '{"uid":"1",}', 'null', '[]', '"x"', '{"uid":"1"}{"uid":"2"}'),
);

/** The mix of 10,000: valid, mistyped, nested, huge, pollution attempts, garbage. */
export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: valid, weight: 4 },
  { arbitrary: mistyped, weight: 3 },
  { arbitrary: nested, weight: 1 },
  { arbitrary: huge, weight: 1 },
  { arbitrary: pollution, weight: 2 },
  { arbitrary: garbage, weight: 3 },
);

export const pollutionBody = pollution;
