/**
 * The conformance suite every recall, filter and sort type passes, as suite.ts is for
 * algorithm types. A kind's test file gives a valid sample entry per registered type;
 * the suite checks what the config layer and the scene builder rely on: the sample
 * loads; each of the type's own keys is refused on the other types of its kind ("does
 * not apply"), a key of no type is unknown, a missing required key is "required by" the
 * type, by path; registering the name twice is refused; and what the type builds keeps
 * its kind's contract (a filter only drops, a sort only reorders, a recall names itself).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError, PairecError } from '../../src/errors.js';
import { TypeRegistry } from '../../src/types/type-registry.js';
import { requiredKeysOf } from '../../src/types/stage-type.js';
import type { StageTypeInfo } from '../../src/types/stage-type.js';
import type { Candidate } from '../../src/pipeline/context.js';
import { smallConfig } from '../helpers/config.js';

export type StageKind = 'recall' | 'filter' | 'sort';
const BLOCK = { recall: 'RecallConfs', filter: 'FilterConfs', sort: 'SortConfs' } as const;
const TYPE_KEY = { recall: 'RecallType', filter: 'FilterType', sort: 'SortType' } as const;

export interface StageCase {
  readonly kind: StageKind;
  readonly types: TypeRegistry<StageTypeInfo<never>>;
  /** A valid entry per registered type, without Name and the type key. */
  readonly samples: Readonly<Record<string, Record<string, unknown>>>;
  /** Builds the type from a parsed entry and checks its contract on `input` (filters, sorts) or its output (recalls). */
  readonly contract: (type: string, entry: Record<string, unknown>, input: Candidate[]) => Promise<void>;
  readonly input: () => Candidate[];
}

/** The small test config with one entry of the kind added (and named where the kind needs it). */
function configWith(kind: StageKind, entry: Record<string, unknown>): Record<string, unknown> {
  const config = smallConfig();
  const block = BLOCK[kind];
  config[block] = [...((config[block] as unknown[] | undefined) ?? []), entry];
  // Samples with a Redis DAO name this one; the load does not connect.
  config.RedisConfs = { r: { Host: '127.0.0.1', Port: 6379 } };
  return config;
}

function problemsOf(config: unknown): string[] {
  try {
    parseConfig(config, builtinVocabulary(createDefaultRegistry()));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.message);
    throw err;
  }
}

export function stageConformance(c: StageCase): void {
  const block = BLOCK[c.kind];
  const entryOf = (type: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    Name: 'under_test',
    [TYPE_KEY[c.kind]]: type,
    ...structuredClone(c.samples[type] ?? {}),
    ...extra,
  });
  const at = (config: Record<string, unknown>): string => `$.${block}[${(config[block] as unknown[]).length - 1}]`;

  describe(`conformance: ${c.kind} types`, () => {
    it('every registered type has a sample here', () => {
      assert.deepEqual(
        c.types
          .types()
          .map((t) => t.type)
          .filter((t) => !Object.hasOwn(c.samples, t)),
        [],
      );
    });

    for (const def of c.types.types()) {
      describe(def.type, () => {
        it('its sample entry loads', () => {
          assert.deepEqual(problemsOf(configWith(c.kind, entryOf(def.type))), []);
        });

        it('keys of other types do not apply to it; a key of no type is unknown', () => {
          const foreign = c.types
            .types()
            .filter((o) => o !== def)
            .flatMap((o) =>
              Object.keys(o.keys ?? {})
                .filter((k) => !Object.hasOwn(def.keys ?? {}, k))
                .map((k) => [o.type, k] as const),
            );
          for (const [other, key] of foreign) {
            const config = configWith(c.kind, entryOf(def.type, { [key]: structuredClone(c.samples[other]?.[key]) ?? 1 }));
            // A key the type once had says what to use instead, after the same words.
            assert.ok(
              problemsOf(config).some(
                (p) => p === `${at(config)}.${key}: does not apply to ${def.type}` || p.startsWith(`${at(config)}.${key}: does not apply to ${def.type}: `),
              ),
              `${key} of ${other}`,
            );
          }
          const config = configWith(c.kind, entryOf(def.type, { NoSuchKey: 1 }));
          assert.ok(problemsOf(config).includes(`${at(config)}.NoSuchKey: unknown key`));
        });

        it('a missing required key is named by path', () => {
          for (const key of requiredKeysOf(def.keys)) {
            const entry = entryOf(def.type);
            delete entry[key];
            const config = configWith(c.kind, entry);
            assert.ok(problemsOf(config).includes(`${at(config)}.${key}: required by ${def.type}`), key);
          }
        });

        it('its name is registered once', () => {
          const again = new TypeRegistry<StageTypeInfo<never>>(`${c.kind} type`, c.types.types());
          assert.throws(
            () => again.register(def),
            (e: unknown) => e instanceof PairecError && e.code === 'ERR_DUPLICATE_REGISTRATION',
          );
        });

        it(`what it builds keeps the ${c.kind} contract`, async () => {
          const raw = configWith(c.kind, entryOf(def.type));
          const parsed = parseConfig(raw, builtinVocabulary(createDefaultRegistry())) as unknown as Record<string, Record<string, unknown>[]>;
          const entry = (parsed[block] ?? []).find((e) => e.Name === 'under_test');
          assert.ok(entry, 'the entry survives the load');
          await c.contract(def.type, entry, c.input());
        });
      });
    }
  });
}
