import { Type } from '@sinclair/typebox';
import type { Static, TObject, TProperties } from '@sinclair/typebox';
import { PairecError } from '../errors.js';

/**
 * What a recall, filter or sort type's config check may ask and report. Built by the
 * config layer (config/pipeline-references.ts) for each entry of the type.
 */
export interface StageCheck {
  /** The JSON path of the entry, `$.FilterConfs[2]`. */
  readonly at: string;
  /** An item field conditions may read: candidate properties, the catalog's columns, loaded features, the entry's `Fields`. */
  readonly knownField: (name: string) => boolean;
  /** Names of the configured recalls (RecallConfs). */
  readonly recalls: ReadonlySet<string>;
  /** Names a sort may be called by: SortConfs names, and sort types usable without an entry. */
  readonly sorts: ReadonlySet<string>;
  /** Names of the configured Redis connections (RedisConfs). */
  readonly redis: ReadonlySet<string>;
  /** Names of the configured Hologres and MySQL connections (HologresConfs, MysqlConfs). */
  readonly hologres: ReadonlySet<string>;
  readonly mysql: ReadonlySet<string>;
  problem(path: string, message: string): void;
}

/**
 * What the config layer knows of a recall, filter or sort type: the keys its entry may add
 * to the kind's common keys (TypeBox properties with defaults; required ones must be
 * given and make the bare type name unusable in FilterNames / SortNames), the optional
 * common keys it reads (given to another type they are refused as not applying), and its
 * reference checks. `Conf` is the entry as the kind's common schema types it.
 */
export interface StageTypeInfo<Conf> {
  readonly type: string;
  readonly keys?: TProperties;
  readonly uses?: readonly string[];
  check?(conf: Conf, ctx: StageCheck): void;
  /** Names of other entries of its kind this one runs (ConditionSort's sorts): a circle of them is refused at load. */
  runs?(conf: Conf): readonly string[];
  /**
   * Keys the type no longer reads, each with what to use instead: refused at load with
   * that note rather than a bare "does not apply" (a meaning that changed under a name).
   */
  readonly movedKeys?: Readonly<Record<string, string>>;
}

/** An entry of a type: the kind's common keys plus the type's own. */
export type WithKeys<Conf, P extends TProperties> = Conf & Static<TObject<P>>;

/** The keys of `keys` a conf must give (neither optional nor defaulted). */
export function requiredKeysOf(keys: TProperties | undefined): readonly string[] {
  return keys ? (Type.Object(keys).required ?? []) : [];
}

/**
 * Wraps a type's factory so that a conf the config check never saw (built by hand,
 * missing a required key) fails as a bug, naming the type and entry, not deep inside.
 */
export function validatedOnly<C extends { readonly Name: string }, A extends unknown[], R>(
  type: string,
  keys: TProperties,
  create: (conf: C, ...rest: A) => R,
): (conf: C, ...rest: A) => R {
  const required = requiredKeysOf(keys);
  return (conf, ...rest) => {
    for (const k of required) {
      if ((conf as Readonly<Record<string, unknown>>)[k] === undefined) throw new PairecError('ERR_INTERNAL', `unvalidated ${type} "${conf.Name}": no ${k}`);
    }
    return create(conf, ...rest);
  };
}
