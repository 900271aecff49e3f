import { Ajv } from 'ajv';
import { checkCatalogFiles } from '../catalog/file-conf.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Type } from '@sinclair/typebox';
import type { TProperties, TSchema } from '@sinclair/typebox';
import { ConfigError, PairecError } from '../errors.js';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { AlgorithmKind } from '../algorithm/contract.js';
import { applySceneDefaults, normalisePaiRecForms } from './pairec-forms.js';
import { ConfigSchema, FilterConfSchema, RecallConfSchema, SortConfSchema } from './schema.js';
import { PAIREC_ALGO_CONF_KEYS, PAIREC_ALGO_TYPES, PAIREC_UNSUPPORTED_KEYS } from './pairec-names.js';
import type { Config, FilterConf, RecallConf, SortConf } from './schema.js';
import type { StageTypeInfo } from '../types/stage-type.js';
import type { TypeLookup } from '../types/type-registry.js';
import { checkStageConfs, stageKeysOf } from './stage-confs.js';
import { unknownKey } from './nearest-key.js';
import type { StageBlock } from './stage-confs.js';
import { pathFromPointer, pathFromSegments } from './json-path.js';
import { findNestingProblem } from '../forbidden-keys.js';
import { checkReferences } from './references.js';
import { checkOutboundAddresses } from './outbound-check.js';
import { checkExperiments } from './experiment-references.js';
import { namedNowhereElse } from './unused-blocks.js';

/** What the config layer knows of a recall type: StageTypeInfo, the algorithm kind it calls (AlgoName), whether it reads the catalog. */
export interface RecallTypeInfo<Conf extends RecallConf = RecallConf> extends StageTypeInfo<Conf> {
  readonly algorithmKind?: AlgorithmKind;
  readonly usesCatalog?: boolean;
  /** Reads the catalog with this conf even when the type does not always (VectorRecall's user vector from the catalog). */
  readsCatalog?(conf: Conf): boolean;
}

/** What the config may name: registered algorithm types and pipeline stage types. */
export interface ConfigVocabulary {
  readonly algorithms: AlgorithmRegistry;
  /** Recall types: their keys and checks, the algorithm kind each needs (via AlgoName), whether it reads the catalog. */
  readonly recallTypes: TypeLookup<RecallTypeInfo>;
  /** Sort types (PaiRec's SortType): their keys and checks; their names also work directly in SortNames. */
  readonly sortTypes: TypeLookup<StageTypeInfo<SortConf>>;
  /** Filter types (PaiRec's FilterType): their keys and checks; their names also work directly in FilterNames. */
  readonly filterTypes: TypeLookup<StageTypeInfo<FilterConf>>;
  /** Instances registered in code (PaiRec's RegisterAlgorithm), by name. */
  readonly customAlgorithms: ReadonlyMap<string, AlgorithmKind>;
}

// verbose: an error carries its schema, so an unknown key's message can name the nearest known one.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false, verbose: true });
const validateTop = ajv.compile<Config>(ConfigSchema);
const typeValidators = new WeakMap<TSchema, ValidateFunction>();

function compiled(schema: TSchema): ValidateFunction {
  let fn = typeValidators.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    typeValidators.set(schema, fn);
  }
  return fn;
}

/** Ajv errors as catalog errors, one per path, naming the JSON path at fault. */
export function ajvProblems(errors: readonly ErrorObject[] | null | undefined, base = ''): PairecError[] {
  const seen = new Set<string>();
  const out: PairecError[] = [];
  for (const e of errors ?? []) {
    let path: string;
    let problem: PairecError;
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      path = pathFromPointer(base + e.instancePath, key);
      problem =
        base === '' && e.instancePath === '' && PAIREC_UNSUPPORTED_KEYS.includes(key)
          ? new PairecError('ERR_CONFIG_NOT_SUPPORTED', `${path}: PaiRec key "${key}" is not supported yet`, { path })
          : new PairecError(
              'ERR_CONFIG_INVALID',
              `${path}: ${unknownKey(key, Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}))}`,
              { path },
            );
    } else {
      path = pathFromPointer(base + e.instancePath);
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      const detail = allowed ? `${e.message ?? 'is invalid'} (${allowed.join(', ')})` : (e.message ?? 'is invalid');
      problem = new PairecError('ERR_CONFIG_INVALID', `${path}: ${detail}`, { path });
    }
    if (seen.has(path)) continue; // unions report once per alternative; one line per path is enough
    seen.add(path);
    out.push(problem);
  }
  return out;
}

/**
 * Algorithms are checked against their type's schema. One that uses a PaiRec type or
 * processor not supported here fails the load only where the config names it: an unused
 * one (`pairec validate` warns of it) is left out, so it is never built.
 */
function checkAlgoConfs(config: Config, vocab: ConfigVocabulary, unused: ReadonlySet<string>, problems: PairecError[]): void {
  const confKeys = vocab.algorithms.confKeys();
  const leftOut = new Set<number>();
  config.AlgoConfs.forEach((algo, i) => {
    const at = `$.AlgoConfs[${i}]`;
    const def = vocab.algorithms.getType(algo.Type);
    if (!def) {
      if (PAIREC_ALGO_TYPES.includes(algo.Type) && unused.has(algo.Name)) {
        leftOut.add(i);
        return;
      }
      const code = PAIREC_ALGO_TYPES.includes(algo.Type) ? 'ERR_CONFIG_NOT_SUPPORTED' : 'ERR_CONFIG_INVALID';
      const why = code === 'ERR_CONFIG_NOT_SUPPORTED' ? 'is a PaiRec algorithm type not supported yet' : 'is not a known algorithm type';
      problems.push(new PairecError(code, `${at}.Type: "${algo.Type}" ${why}`, { path: `${at}.Type` }));
      return;
    }
    const record = algo as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key === 'Name' || key === 'Type' || key === 'BatchConf' || key === def.confKey) continue;
      const value = record[key];
      const empty = value !== null && typeof value === 'object' && Object.keys(value).length === 0;
      if ((PAIREC_ALGO_CONF_KEYS.includes(key) || confKeys.has(key)) && empty) continue; // PaiRec writes empty confs of other types
      const path = `${at}.${key}`;
      const why =
        confKeys.has(key) || PAIREC_ALGO_CONF_KEYS.includes(key)
          ? `does not apply to Type ${algo.Type}`
          : unknownKey(key, ['Name', 'Type', 'BatchConf', def.confKey]);
      problems.push(new PairecError('ERR_CONFIG_INVALID', `${path}: ${why}`, { path }));
    }
    record[def.confKey] ??= {};
    const validate = compiled(def.schema);
    if (!validate(record[def.confKey])) {
      problems.push(...ajvProblems(validate.errors, `/AlgoConfs/${i}/${def.confKey}`));
      return;
    }
    const cannot = def.unsupported?.(record[def.confKey] as never);
    if (cannot === undefined) return;
    if (unused.has(algo.Name)) leftOut.add(i);
    else {
      const path = `${at}.${def.confKey}.${cannot.key}`;
      problems.push(new PairecError('ERR_CONFIG_NOT_SUPPORTED', `${path}: ${cannot.why}`, { path }));
    }
  });
  if (leftOut.size > 0) config.AlgoConfs = config.AlgoConfs.filter((_, i) => !leftOut.has(i));
}

const compileKeys = (keys: TProperties): ValidateFunction => ajv.compile(Type.Object(keys));
const commonKeys = (schema: { properties: TProperties }): ReadonlySet<string> => new Set(Object.keys(schema.properties));
const STAGE_BLOCKS = [
  { block: 'RecallConfs', typeKey: 'RecallType', common: commonKeys(RecallConfSchema), types: (v: ConfigVocabulary) => v.recallTypes },
  { block: 'FilterConfs', typeKey: 'FilterType', common: commonKeys(FilterConfSchema), types: (v: ConfigVocabulary) => v.filterTypes },
  { block: 'SortConfs', typeKey: 'SortType', common: commonKeys(SortConfSchema), types: (v: ConfigVocabulary) => v.sortTypes },
] as const;

/** Each recall, filter and sort entry against its type's own keys (config/stage-confs.ts). */
function checkStageBlocks(config: Config, vocab: ConfigVocabulary, problems: PairecError[]): WeakSet<object> {
  const unsound = new WeakSet<object>();
  for (const b of STAGE_BLOCKS) {
    // Checked even where the schema found a problem in the block: one report lists every problem.
    if (!Array.isArray(config[b.block])) continue;
    const kind: StageBlock = { block: b.block, typeKey: b.typeKey, common: b.common, types: b.types(vocab) as TypeLookup<StageTypeInfo<never>> };
    checkStageConfs(config, kind, compileKeys, ajvProblems, problems, unsound);
  }
  return unsound;
}

/** A PaiRec config is a few levels deep; far deeper is not a config (and would overflow the walks over it). */
const MAX_CONFIG_DEPTH = 64;

/**
 * Validates a parsed config file and fills in defaults. Returns a new object (the input
 * is not modified); throws ConfigError listing every problem with its JSON path.
 */
export function parseConfig(raw: unknown, vocab: ConfigVocabulary): Config {
  const nesting = findNestingProblem(raw, MAX_CONFIG_DEPTH);
  if (nesting) {
    const path = pathFromSegments(nesting.segments);
    const why = nesting.kind === 'key' ? 'forbidden key' : `nests deeper than ${MAX_CONFIG_DEPTH} levels`;
    throw new ConfigError([new PairecError('ERR_CONFIG_INVALID', `${path}: ${why}`, { path })]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([new PairecError('ERR_CONFIG_INVALID', '$: the config must be a JSON object', { path: '$' })]);
  }
  const copy = structuredClone(raw) as Record<string, unknown>;
  const forms = normalisePaiRecForms(copy, stageKeysOf(vocab));
  const sound = validateTop(copy);
  // When not sound, only the blocks the schema passed are read below, before the throw.
  const config = copy as Config;
  // A path already reported as not supported (a PaiRec value this engine lacks) is not also invalid.
  const named = new Set(forms.map((p) => p.path));
  const problems: PairecError[] = [...forms, ...(sound ? [] : ajvProblems(validateTop.errors).filter((p) => !named.has(p.path)))];
  // Blocks the schema found sound are checked further even when others are not, so one
  // report lists every problem at once (`pairec validate`); cross-references need them all.
  const brokenAt = (block: string): boolean =>
    !sound && (validateTop.errors ?? []).some((e) => e.instancePath === `/${block}` || e.instancePath.startsWith(`/${block}/`));
  if (!brokenAt('AlgoConfs') && Array.isArray(config.AlgoConfs)) checkAlgoConfs(config, vocab, namedNowhereElse(raw, 'AlgoConfs'), problems);
  // An entry refused for its own keys is left out of its type's reference check; the rest of the config is still checked.
  const stage: PairecError[] = [];
  const unsound = checkStageBlocks(config, vocab, stage);
  checkOutboundAddresses(config, problems);
  if (!brokenAt('CatalogConf')) checkCatalogFiles(config, problems);
  if (!sound) throw new ConfigError([...problems, ...stage]);
  applySceneDefaults(config);
  const referencesHold = problems.length === 0;
  problems.push(...stage);
  if (referencesHold) checkReferences(config, vocab, problems, unsound);
  // Experiments are checked against a sound base: each combination is the scene's config with parameters over it.
  if (problems.length === 0) checkExperiments(config, vocab, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
