import type { TProperties } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import { PairecError } from '../errors.js';
import type { StageTypeInfo } from '../types/stage-type.js';
import { unknownKey } from './nearest-key.js';
import type { TypeLookup } from '../types/type-registry.js';
import type { Config } from './schema.js';

/** One kind's block: where its entries are, the key naming their type, the keys every type of the kind has. */
export interface StageBlock {
  readonly block: 'RecallConfs' | 'FilterConfs' | 'SortConfs';
  readonly typeKey: 'RecallType' | 'FilterType' | 'SortType';
  readonly common: ReadonlySet<string>;
  readonly types: TypeLookup<StageTypeInfo<never>>;
}

const problem = (path: string, message: string): PairecError => new PairecError('ERR_CONFIG_INVALID', `${path}: ${message}`, { path });

/** The keys some type of the kind owns or uses: given to another type, "does not apply to X" instead of "unknown key". */
function ownedKeys(types: readonly StageTypeInfo<never>[]): ReadonlySet<string> {
  return new Set(types.flatMap((t) => [...Object.keys(t.keys ?? {}), ...(t.uses ?? [])]));
}

const validators = new WeakMap<TProperties, ValidateFunction>();

/**
 * Checks each recall, filter and sort entry's own keys against its type's definition:
 * a key of another type "does not apply", a key of no type is unknown, a required key
 * is "required by" the type, and the type's schema fills its defaults in place. Entries
 * of unknown types are left to the reference check (it names the type).
 */
export function checkStageConfs(
  config: Config,
  kind: StageBlock,
  compile: (keys: TProperties) => ValidateFunction,
  ajvProblems: (errors: ValidateFunction['errors'], base: string) => PairecError[],
  problems: PairecError[],
  unsound: WeakSet<object>,
): void {
  const entries = config[kind.block] as unknown as Record<string, unknown>[];
  const owned = ownedKeys(kind.types.types());
  entries.forEach((entry, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return; // the schema names it
    const at = `$.${kind.block}[${i}]`;
    // Not a string (a number, a list, an object whose toString is not callable): the schema names it.
    const typeName = entry[kind.typeKey];
    if (typeof typeName !== 'string') return;
    const def = kind.types.get(typeName);
    if (!def) return;
    const own = new Set(Object.keys(def.keys ?? {}));
    for (const key of Object.keys(entry)) {
      if (own.has(key) || def.uses?.includes(key)) continue;
      const moved = def.movedKeys?.[key];
      if (moved !== undefined) {
        problems.push(problem(`${at}.${key}`, `does not apply to ${typeName}: ${moved}`));
        continue;
      }
      if (owned.has(key)) problems.push(problem(`${at}.${key}`, `does not apply to ${typeName}`));
      else if (!kind.common.has(key)) problems.push(problem(`${at}.${key}`, unknownKey(key, [...kind.common, ...own, ...(def.uses ?? [])])));
    }
    if (!def.keys) return;
    let validate = validators.get(def.keys);
    if (!validate) validators.set(def.keys, (validate = compile(def.keys)));
    if (validate(entry)) return;
    unsound.add(entry);
    const missing = (validate.errors ?? []).filter((e) => e.keyword === 'required' && e.instancePath === '');
    for (const e of missing) problems.push(problem(`${at}.${String((e.params as { missingProperty: string }).missingProperty)}`, `required by ${typeName}`));
    const rest = (validate.errors ?? []).filter((e) => !missing.includes(e));
    problems.push(...ajvProblems(rest, `/${kind.block}/${i}`));
  });
}

/** Per kind, the union of every registered type's own keys: where PaiRec's nested keys are honoured (config/pairec-nested-forms.ts). */
export type StageKeys = Readonly<Record<StageBlock['block'], TProperties>>;

/** The stage keys of a vocabulary's recall, filter and sort types. */
export function stageKeysOf(types: {
  readonly recallTypes: TypeLookup<StageTypeInfo<never>>;
  readonly filterTypes: TypeLookup<StageTypeInfo<never>>;
  readonly sortTypes: TypeLookup<StageTypeInfo<never>>;
}): StageKeys {
  const union = (lookup: TypeLookup<StageTypeInfo<never>>): TProperties => Object.assign({}, ...lookup.types().map((t) => t.keys ?? {})) as TProperties;
  return { RecallConfs: union(types.recallTypes), FilterConfs: union(types.filterTypes), SortConfs: union(types.sortTypes) };
}
