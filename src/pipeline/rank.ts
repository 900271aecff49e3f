import { PairecError } from '../errors.js';
import { compileExpression } from '../expression/expression.js';
import { rankVariable } from '../config/references.js';
import type { AlgoResponse, CatalogRows, FeatureMap, ScoreInput } from '../algorithm/contract.js';
import type { RankSceneConf } from '../config/schema.js';
import type { Candidate, PipelineContext } from './context.js';
import { checkUserVectors, mergeDims } from '../features/vector-checks.js';
import type { UserVectorFault } from '../features/vector-checks.js';

/** `items` of a run that carries its items as rows. */
const NO_ITEMS: readonly FeatureMap[] = Object.freeze([]);

/**
 * Rank: every algorithm of RankAlgoList scores the candidates in batches of BatchCount
 * (batches run concurrently). The first algorithm's score becomes the item's score;
 * every algorithm's score is kept in the item's score map.
 */
export type RankStage = (cands: Candidate[], ctx: PipelineContext) => Promise<readonly string[]>;

/** Checks of the user's vectors before rank (features/vector-checks.ts). */
export interface UserVectorChecks {
  /** By algorithm name, the user vectors its feature spec reads and their length. */
  readonly dimsOf: (algoName: string) => ReadonlyMap<string, number> | undefined;
  /** Counts one left-out value (pairec_feature_defaults_total). */
  readonly count: (fault: UserVectorFault) => void;
}

const NO_NOTES: readonly string[] = Object.freeze([]);

/** What an algorithm's runs read of an item (AlgorithmTypeDef.itemFeatures and readsRows). */
export interface ItemReads {
  readonly features: readonly string[];
  /** Takes plain catalog candidates as rows (ScoreInput.rows). */
  readonly rows: boolean;
}

export function createRankStage(conf: RankSceneConf, itemReadsOf?: (algoName: string) => ItemReads | undefined, vectors?: UserVectorChecks): RankStage {
  const names = conf.RankAlgoList;
  const userDims = vectors ? mergeDims(names.map((n) => vectors.dimsOf(n))) : undefined;
  // When every algorithm declares the item features it reads and none is per candidate
  // (recall_score), a candidate without request features is ranked on the catalog's
  // shared per-row map: no map is built per candidate (≈ 10 % of a request's CPU).
  const reads = names.map((n) => itemReadsOf?.(n));
  const shared = reads.every((r) => r !== undefined && !r.features.includes('recall_score'));
  // Those that take rows get them when every candidate is a plain catalog row: no map at all.
  const byRows = reads.map((r) => shared && r?.rows === true);
  const anyRows = byRows.includes(true);
  const featuresOf = (ctx: PipelineContext): ((c: Candidate) => FeatureMap) => {
    const { catalog } = ctx;
    if (!shared || !catalog) return ctx.itemFeatures;
    return (c) => (c.row >= 0 && c.features === undefined ? catalog.itemFeatureMap(c.row) : ctx.itemFeatures(c));
  };
  const batch = conf.BatchCount;
  // Validated at config load; compiled once per config generation.
  const rankScore = conf.RankScore === undefined ? undefined : compileExpression(conf.RankScore, rankVariable(names)).run;
  return async (cands, ctx) => {
    if (cands.length === 0) return NO_NOTES;
    const rows = anyRows ? catalogRows(cands, ctx) : undefined;
    let maps: FeatureMap[] | undefined;
    // A user vector the models cannot read (wrong length, not numbers) is left out, so
    // their feature default stands in, and it is counted and named in debug: the model
    // alone would fill the default with only an anonymous count.
    let notes: string[] | undefined;
    const user =
      userDims && userDims.size > 0
        ? checkUserVectors(ctx.userFeatures, userDims, ctx.request.features, (f) => {
            vectors?.count(f);
            (notes ??= []).push(`user feature "${f.feature}" (${f.source}): ${f.reason}: ${f.detail}; the model's default used`);
          })
        : ctx.userFeatures;
    const inputs = (a: number): ScoreInput[] => {
      const out: ScoreInput[] = [];
      if (rows && byRows[a]) {
        for (let i = 0; i < rows.rows.length; i += batch) {
          out.push({ items: NO_ITEMS, rows: { source: rows.source, rows: rows.rows.subarray(i, i + batch) }, user });
        }
        return out;
      }
      maps ??= cands.map(featuresOf(ctx));
      for (let i = 0; i < maps.length; i += batch) out.push({ items: maps.slice(i, i + batch), user });
      return out;
    };
    const results = await Promise.all(
      names.map(async (name, a) => {
        const algo = ctx.algorithms.get(name, 'score');
        const parts = inputs(a).map((input) => algo.run(input, ctx));
        const out = parts.length === 1 ? await (parts[0] as Promise<readonly AlgoResponse[]>) : (await Promise.all(parts)).flat();
        if (out.length !== cands.length) {
          throw new PairecError('ERR_ALGORITHM_INPUT', `"${name}" returned ${out.length} scores for ${cands.length} items`);
        }
        return out;
      }),
    );
    results.forEach((responses, a) => {
      const name = names[a] ?? '';
      for (let i = 0; i < cands.length; i++) {
        const c = cands[i];
        const r = responses[i];
        if (!c || !r) continue;
        if (a === 0) c.score = r.score;
        if (names.length > 1 || r.scoreMap || rankScore) {
          c.scoreMap ??= {};
          c.scoreMap[name] = r.score;
          if (r.scoreMap) for (const [k, v] of Object.entries(r.scoreMap)) c.scoreMap[`${name}.${k}`] = v;
        }
      }
    });
    if (rankScore) {
      for (const c of cands) {
        const map = c.scoreMap ?? {};
        // A missing score map entry is NaN, so a broken model output cannot pass as 0.
        const s = rankScore((n) => map[n] ?? Number.NaN);
        c.score = Number.isFinite(s) ? s : 0;
      }
    }
    return notes ?? NO_NOTES;
  };
}

/** The candidates as catalog rows, or undefined when one is not a plain catalog row. */
function catalogRows(cands: readonly Candidate[], ctx: PipelineContext): CatalogRows | undefined {
  const { catalog } = ctx;
  if (!catalog) return undefined;
  const rows = new Int32Array(cands.length);
  for (let i = 0; i < cands.length; i++) {
    const c = cands[i] as Candidate;
    if (c.row < 0 || c.features !== undefined) return undefined;
    rows[i] = c.row;
  }
  return { rows, source: catalog.rowSource };
}
