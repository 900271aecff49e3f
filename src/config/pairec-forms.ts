/**
 * PaiRec's ways of writing what this engine reads, brought to one form before the schema
 * sees them, so a PaiRec config loads as PaiRec reads it:
 *
 * - a top-level block of a PaiRec feature this engine does not have, left empty (`{}`,
 *   `[]`, `""`, null — PaiRec's project template writes `"KafkaConfs": {}`), is dropped
 *   and named in the load's compatibility warning; written out, it stays an error;
 * - `LogConf.LogLevel` in any case (`"INFO"`, glog's spelling);
 * - `ABTestConf.Host` / `Token` (PaiRec's A/B platform endpoint) left empty are dropped,
 *   and an `ABTestConf` left with nothing is no experiment block; a Host given is not
 *   supported (experiments here are ABTestConf.Layers or ABTestConf.Remote.Url);
 * - `FilterNames.default` / `SortNames.default`: the list of every scene that names none
 *   (applySceneDefaults, after validation);
 * - a list block written as an empty object (the config overview's `"SortConfs": {}`) is
 *   the empty list;
 * - RankScore's `${algo_key}`, PaiRec's name of an entry of an algorithm's score map, is
 *   this engine's `${algo.key}`;
 * - PaiRec's keys below the top level (config/pairec-nested.ts): those this engine does
 *   not have are dropped where left empty and "not supported" where set.
 */
import { PairecError } from '../errors.js';
import type { Config } from './schema.js';
import { PAIREC_UNSUPPORTED_KEYS } from './pairec-names.js';
import { normaliseNestedForms } from './pairec-nested-forms.js';
import type { StageKeys } from './stage-confs.js';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Keys that are lists here (PaiRec's slices): `{}` written for one is the empty list. */
const LIST_KEYS: readonly string[] = ['AlgoConfs', 'RecallConfs', 'FilterConfs', 'SortConfs'];

/** PaiRec's empty forms of a block: what its JSON template writes for "none". */
export function isEmptyBlock(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return isRecord(v) && Object.keys(v).length === 0;
}

/** PaiRec's A/B platform keys, empty: the template's `"ABTestConf": {"Host": "", "Token": ""}`. */
function emptyPlatform(ab: Record<string, unknown>): boolean {
  return (ab.Host === undefined || ab.Host === '') && (ab.Token === undefined || ab.Token === '') && ('Host' in ab || 'Token' in ab);
}

/** The paths of PaiRec blocks a config as written sets but leaves empty: dropped, and named in the warning. */
export function emptyPaiRecBlocksIn(raw: unknown, stage: StageKeys): string[] {
  if (!isRecord(raw)) return [];
  const out = PAIREC_UNSUPPORTED_KEYS.filter((k) => Object.hasOwn(raw, k) && isEmptyBlock(raw[k]));
  const ab = raw.ABTestConf;
  if (isRecord(ab) && emptyPlatform(ab)) out.push(...['Host', 'Token'].filter((k) => k in ab).map((k) => `ABTestConf.${k}`));
  out.push(...normaliseNestedForms(structuredClone(raw), stage).empty);
  return out;
}

/** Brings PaiRec's forms in `config` (a private copy of the file's JSON) to this engine's; returns what cannot be. */
export function normalisePaiRecForms(config: Record<string, unknown>, stage: StageKeys): PairecError[] {
  const problems: PairecError[] = [];
  for (const key of PAIREC_UNSUPPORTED_KEYS) if (Object.hasOwn(config, key) && isEmptyBlock(config[key])) delete config[key];
  for (const key of LIST_KEYS) if (isRecord(config[key]) && isEmptyBlock(config[key])) delete config[key];
  problems.push(...normaliseNestedForms(config, stage).problems);
  if (isRecord(config.RankConf)) for (const rank of Object.values(config.RankConf)) if (isRecord(rank)) pairecRankScore(rank);
  const log = config.LogConf;
  if (isRecord(log) && typeof log.LogLevel === 'string') log.LogLevel = log.LogLevel.toLowerCase();
  const ab = config.ABTestConf;
  if (isRecord(ab)) {
    if (emptyPlatform(ab)) {
      delete ab.Host;
      delete ab.Token;
      if (Object.keys(ab).length === 0) delete config.ABTestConf;
    } else if (typeof ab.Host === 'string' && ab.Host !== '') {
      problems.push(
        new PairecError(
          'ERR_CONFIG_NOT_SUPPORTED',
          "$.ABTestConf.Host: PaiRec's A/B platform is not supported; experiments are ABTestConf.Layers, or ABTestConf.Remote.Url for a served set (docs/experiments.md)",
          { path: '$.ABTestConf.Host' },
        ),
      );
      delete ab.Host;
      delete ab.Token;
    }
  }
  return problems;
}

/**
 * PaiRec names the entries of an algorithm's score map `<algo>_<key>` in RankScore
 * (`${room3_mt_v2_probs_ctr}`); here they are `${room3_mt_v2.probs_ctr}`. A name that is an
 * algorithm of RankAlgoList itself stays as it is; the longest algorithm name wins.
 */
function pairecRankScore(rank: Record<string, unknown>): void {
  const { RankScore: expr, RankAlgoList: list } = rank;
  if (typeof expr !== 'string' || !Array.isArray(list)) return;
  const algos = list.filter((a): a is string => typeof a === 'string').sort((a, b) => b.length - a.length);
  rank.RankScore = expr.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (algos.includes(name)) return whole;
    const algo = algos.find((a) => name.startsWith(`${a}_`) && name.length > a.length + 1);
    return algo === undefined ? whole : `\${${algo}.${name.slice(algo.length + 1)}}`;
  });
}

/**
 * PaiRec's `default` entry of FilterNames and SortNames: the list of every scene that
 * has none of its own. Resolved here, once, so the pipeline and experiments read one list
 * per scene. A scene actually named "default" keeps its entry as its own.
 */
export function applySceneDefaults(config: Config): void {
  for (const block of [config.FilterNames, config.SortNames]) {
    const fallback = block.default;
    if (fallback === undefined || Object.hasOwn(config.SceneConfs, 'default')) continue;
    delete block.default;
    for (const scene of Object.keys(config.SceneConfs)) block[scene] ??= [...fallback];
  }
}
