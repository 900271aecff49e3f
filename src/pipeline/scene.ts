import { performance } from 'node:perf_hooks';
import { PairecError } from '../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../config/schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { Candidate, PipelineContext, StageTrace } from './context.js';
import { uniqueFilter } from './filter/index.js';
import type { Filter, FilterEnv } from './filter/index.js';
import type { Sort } from './sort/index.js';
import { createDefaultPipelineTypes } from './types.js';
import type { PipelineTypes } from './types.js';
import type { RecallSource } from './recall/index.js';
import { createRankStage } from './rank.js';
import type { ItemReads, RankStage } from './rank.js';
import { fanOutRecalls } from './recall/fan-out.js';
import type { TimedRecall } from './recall/fan-out.js';
import { FALLBACK_RETRIEVE_ID, Fallback } from './fallback.js';
import { Backfill, completePage } from './backfill.js';
import type { SortConf } from './sort/index.js';
import type { FilterStep } from './explain/recorder.js';

/** The configured names of a scene's filters and sorts, in their order (the explain trace names steps by them). */
export interface StepNames {
  readonly filters: readonly FilterStep[];
  readonly lateFilters: readonly FilterStep[];
  readonly sorts: readonly string[];
}
const NO_NAMES: StepNames = { filters: [], lateFilters: [], sorts: [] };

/** Per-scene time rules (performance.recall_timeout_ms, performance.min_stage_ms). */
interface StageBudget {
  readonly recallMs: number;
  readonly minStageMs: number;
}
import { loadFeatures, startUserFeatures } from './features.js';
import { SharedUserLoader } from '../features/shared-user-load.js';
import type { FeatureLoader } from '../features/file-features.js';
import type { ExposureStore } from '../store/exposure-store.js';
import type { UserVectorFault } from '../features/vector-checks.js';
import type { RedisClient } from '../store/redis.js';
import type { SqlClient } from '../store/sql-client.js';
import { countRecalled } from '../observability/pairec-metrics.js';

// 'features' (FeatureConfs) runs between filter and rank; a closed label set of the stage metric.
type Stage = 'recall' | 'filter' | 'features' | 'rank' | 'sort';
type StageTimers = Record<Stage, { observe(v: number): void }>;

/** monitoring.enable_metrics off: one shared set of timers that record nothing. */
const noop = { observe: (): void => undefined };
const NO_STAGE_TIMERS: StageTimers = { recall: noop, filter: noop, features: noop, rank: noop, sort: noop };

/** One scene and category, compiled from the config: the stages a request runs. */
export class ScenePipeline {
  readonly scene: string;
  readonly #recalls: readonly TimedRecall[];
  /** FallbackConfig: served when rank fails or time runs out (pipeline/fallback.ts). */
  readonly fallback: Fallback | undefined;
  readonly #budget: StageBudget;
  readonly #metrics: EngineMetrics;
  readonly #filters: readonly Filter[];
  /** Filters reading item properties in a scene that loads item features: run after the features stage. */
  readonly #lateFilters: readonly Filter[];
  readonly #rank: RankStage | undefined;
  readonly #sorts: readonly Sort[];
  readonly #features: readonly FeatureLoader[];
  /** FeatureConfs AsynLoadFeature: the user's features load beside recall, not after the filters. */
  readonly #userEarly: boolean;
  readonly #stageTimers: StageTimers;
  /** PaiRec's recall counts are kept (metrics on). */
  readonly #countRecalls: boolean;
  /** Tops up a page shorter than `size` (BackfillRecall or the fallback list). */
  readonly #backfill: Backfill | undefined;
  readonly #names: StepNames;

  constructor(
    scene: string,
    parts: {
      recalls: TimedRecall[];
      fallback?: Fallback | undefined;
      budget: StageBudget;
      filters: Filter[];
      lateFilters?: Filter[];
      rank: RankStage | undefined;
      sorts: Sort[];
      features?: FeatureLoader[];
      backfill?: Backfill | undefined;
      names?: StepNames;
      asynLoadFeature?: boolean;
    },
    metrics: EngineMetrics,
    recordStages = true,
  ) {
    this.scene = scene;
    this.#recalls = parts.recalls;
    this.#filters = parts.filters;
    this.#lateFilters = parts.lateFilters ?? [];
    this.#rank = parts.rank;
    this.#sorts = parts.sorts;
    this.fallback = parts.fallback;
    this.#budget = parts.budget;
    this.#metrics = metrics;
    this.#features = parts.features ?? [];
    this.#userEarly = parts.asynLoadFeature === true && this.#features.some((l) => l.store === 'user');
    this.#backfill = parts.backfill;
    this.#names = parts.names ?? NO_NAMES;
    // Each stage on the engine's histogram and, but for features, on PaiRec's own (exp_id "" as in PaiRec).
    const timer = (stage: Stage): { observe(v: number): void } => {
      const ours = metrics.stageDuration.labels(scene, stage);
      if (stage === 'features') return ours;
      const theirs = metrics.pairec.stageDuration[stage].labels(scene, '');
      return { observe: (v) => (ours.observe(v), theirs.observe(v)) };
    };
    this.#countRecalls = recordStages;
    this.#stageTimers = recordStages
      ? { recall: timer('recall'), filter: timer('filter'), features: timer('features'), rank: timer('rank'), sort: timer('sort') }
      : NO_STAGE_TIMERS;
  }

  /** Runs recall → filter → rank → sort and returns at most `size` items. */
  async run(ctx: PipelineContext, trace: StageTrace[] | undefined): Promise<Candidate[]> {
    // The explain recorder, on requests that asked for it: one test per stage otherwise.
    const ex = ctx.explain;
    let t = performance.now();
    const mark = (stage: Stage, input: number, output: number, errors?: readonly string[]): void => {
      const now = performance.now();
      this.#stageTimers[stage].observe((now - t) / 1000);
      trace?.push({ stage, in: input, out: output, ms: Math.round((now - t) * 1000) / 1000, ...(errors?.length ? { errors } : {}) });
      ctx.spans?.stage(stage, t, now, input, output);
      t = now;
    };

    // The user's features need only the uid: with AsynLoadFeature they load while recall runs.
    const userLoad = this.#userEarly ? startUserFeatures(this.#features, ctx) : undefined;
    // Every source within its own Timeout and the scene's recall budget; late or failed ones are reported, not fatal.
    const recalled = await fanOutRecalls(this.#recalls, ctx, this.#budget.recallMs);
    let cands: Candidate[] = recalled.candidates;
    const errors = recalled.failures.map((f) => `${f.name}: ${f.reason}: ${f.message}`);
    let noVector = false;
    for (const f of recalled.failures) {
      // A user vector of the wrong length: the request is at fault, the answer is its 4xx.
      if (f.error) throw f.error;
      if (f.reason === 'no_user_vector') noVector = true;
      this.#metrics.recallFailures.labels(this.scene, f.name, f.reason).inc();
    }
    // A source without a user vector answered (with nothing): the page is back-filled, not failed.
    if (errors.length === this.#recalls.length && errors.length > 0 && !noVector) {
      throw new PairecError('ERR_RECALL_FAILED', `every recall failed: ${errors.join('; ')}`);
    }
    mark('recall', this.#recalls.length, cands.length, errors);
    if (this.#countRecalls) countRecalled(this.#metrics.pairec, this.scene, cands);
    if (ex) ex.recalled(cands);
    // No stage starts with too little time left: the fallback list, or a deadline error.
    const tooLate = (): Candidate[] | undefined => {
      if (ctx.deadline - performance.now() >= this.#budget.minStageMs) return undefined;
      if (this.fallback) return this.fallback.serve(ctx, 'deadline', trace);
      throw new PairecError('ERR_DEADLINE_EXCEEDED', 'too little time left for the next stage');
    };
    let late = tooLate();
    if (late) return late;

    const before = cands.length;
    if (ex) cands = await ex.filter(this.#filters, this.#names.filters, cands, ctx);
    else for (const f of this.#filters) cands = await f(cands, ctx);
    mark('filter', before, cands.length);

    if (this.#features.length > 0) {
      late = tooLate();
      if (late) return late;
      const loaded = await loadFeatures(this.#features, cands, ctx, userLoad);
      ctx = loaded.ctx;
      // Stored values left out (a vector that does not parse) are named in the debug trace.
      mark('features', cands.length, cands.length, loaded.notes);
      if (this.#lateFilters.length > 0) {
        const n = cands.length;
        if (ex) cands = await ex.filter(this.#lateFilters, this.#names.lateFilters, cands, ctx);
        else for (const f of this.#lateFilters) cands = await f(cands, ctx);
        mark('filter', n, cands.length);
      }
    }

    late = tooLate();
    if (late) return late;
    if (this.#rank) {
      let rankNotes: readonly string[] = [];
      try {
        rankNotes = await this.#rank(cands, ctx);
      } catch (err) {
        // A failed rank serves the fallback list when the scene has one (and the caller is still there).
        if (!this.fallback || ctx.signal.aborted) throw err;
        return this.fallback.serve(ctx, 'rank_failed', trace);
      }
      mark('rank', cands.length, cands.length, rankNotes);
      if (ex) ex.ranked(cands);
    }
    late = tooLate();
    if (late) return late;
    if (ex) cands = ex.sort(this.#sorts, this.#names.sorts, cands, ctx);
    else for (const s of this.#sorts) cands = s(cands, ctx);
    const out = cands.length > ctx.request.size ? cands.slice(0, ctx.request.size) : cands;
    mark('sort', cands.length, out.length);
    return out.length < ctx.request.size ? completePage(out, ctx, this.scene, this.#backfill, this.#metrics, trace) : out;
  }
}

const BUILTIN_TYPES = createDefaultPipelineTypes();

/** Compiles every scene and category of a validated config. */
export function compileScenes(
  config: Config,
  env: FilterEnv & {
    /** The recall, filter and sort types (default: the built-ins). */
    readonly types?: PipelineTypes;
    readonly catalog: Catalog | undefined;
    /** Exposure store of a FilterConfs entry with a Redis DaoConf (by filter Name). */
    readonly exposureFor?: (filterName: string) => ExposureStore | undefined;
    /** By algorithm name, what its runs read of an item (AlgorithmTypeDef.itemFeatures, readsRows). */
    readonly itemReadsOf?: (algoName: string) => ItemReads | undefined;
    /** FeatureConfs loaders by scene. */
    readonly features?: ReadonlyMap<string, FeatureLoader[]>;
    /** By algorithm name, the user vectors its feature spec reads (checked before rank). */
    readonly userDimsOf?: (algoName: string) => ReadonlyMap<string, number> | undefined;
    /** This config generation's Redis clients, for recall sources with a Redis DAO. */
    readonly redis?: (name: string) => RedisClient | undefined;
    /** This config generation's Hologres and MySQL clients, for recall sources with such a DAO. */
    readonly sql?: (adapter: 'hologres' | 'mysql', name: string) => SqlClient | undefined;
  },
  metrics: EngineMetrics,
): ReadonlyMap<string, ReadonlyMap<string, ScenePipeline>> {
  const { catalog } = env;
  const types = env.types ?? BUILTIN_TYPES;
  const algoTypes = new Map(config.AlgoConfs.map((a) => [a.Name, a.Type]));
  const demoCatalog = config.CatalogConf?.Source === 'demo';
  const filterConfs = new Map(config.FilterConfs.map((f) => [f.Name, f]));
  const recallConfs = new Map(config.RecallConfs.map((r) => [r.Name, r]));
  const sortConfs = new Map<string, SortConf>(config.SortConfs.map((s) => [s.Name, s]));
  const scenes = new Map<string, Map<string, ScenePipeline>>();
  const { performance: perf } = config;
  // Default recall budget: half the request, leaving the rest for filter, rank and sort.
  const budget: StageBudget = { recallMs: perf.recall_timeout_ms ?? Math.ceil(perf.request_timeout_ms / 2), minStageMs: perf.min_stage_ms };
  for (const [scene, categories] of Object.entries(config.SceneConfs)) {
    const filters: Filter[] = [uniqueFilter];
    const lateFilters: Filter[] = [];
    const names = { filters: [{ name: 'UniqueFilter' }] as FilterStep[], lateFilters: [] as FilterStep[], sorts: [] as string[] };
    // Property filters see loaded item features: in a scene that loads them, they run after the features stage.
    const loadsItems = config.FeatureConfs[scene]?.FeatureLoadConfs.some((l) => l.FeatureDaoConf.FeatureStore === 'item') ?? false;
    for (const n of config.FilterNames[scene] ?? []) {
      if (n === 'UniqueFilter') continue; // always first already
      // A FilterConfs name, or a filter type's own name with its defaults.
      const conf = filterConfs.get(n) ?? { Name: n, FilterType: n, TimeInterval: 86400, MaxItems: 1000 };
      const def = types.filter.get(conf.FilterType);
      const exposures = env.exposureFor?.(conf.Name);
      if (!def) continue;
      const late = loadsItems && def.readsItemFields === true;
      (late ? lateFilters : filters).push(def.create(conf, exposures ? { ...env, exposures } : env));
      (late ? names.lateFilters : names.filters).push({ name: conf.Name, why: def.explain?.(conf) });
    }
    const sortNames = config.SortNames[scene] ?? ['ItemRankScore'];
    const sorts: Sort[] = [];
    const sortNamed = sortBuilder(sortConfs, types);
    for (const n of sortNames) {
      const sort = sortNamed(n);
      if (!sort) continue;
      sorts.push(sort);
      names.sorts.push(n);
    }
    const rankConf = config.RankConf[scene];
    const { userDimsOf } = env;
    const vectors = userDimsOf && { dimsOf: userDimsOf, count: (f: UserVectorFault) => metrics.featureDefaults.labels(f.source, f.feature, f.reason).inc() };
    const rank = rankConf ? createRankStage(rankConf, env.itemReadsOf, vectors) : undefined;
    const byCategory = new Map<string, ScenePipeline>();
    const asynLoadFeature = config.FeatureConfs[scene]?.AsynLoadFeature === true;
    // With AsynLoadFeature a recall reading the user's loaded features awaits the load the features stage started.
    const features = (env.features?.get(scene) ?? []).map((l) => (asynLoadFeature && l.store === 'user' ? new SharedUserLoader(l) : l));
    const userVectors = { algorithmType: (n: string) => algoTypes.get(n), demoCatalog, userLoaders: features.filter((l) => l.store === 'user') };
    const sourceOf = (n: string) => {
      const rc = recallConfs.get(n);
      const def = rc && types.recall.get(rc.RecallType);
      // parseConfig checked every name: reaching this is a bug, not a config mistake.
      if (!rc || !def) throw new PairecError('ERR_INTERNAL', `unvalidated recall "${n}"`);
      return { source: def.create(rc, { catalog, redis: env.redis, sql: env.sql, metrics, userVectors }), timeoutMs: rc.Timeout };
    };
    for (const [category, conf] of Object.entries(categories)) {
      const recalls = conf.RecallNames.map(sourceOf);
      const fallback = conf.FallbackConfig && new Fallback(scene, conf.FallbackConfig, catalog, perf.request_timeout_ms, metrics);
      const backfill = backfillOf(conf.BackfillRecall === undefined ? undefined : sourceOf(conf.BackfillRecall).source, fallback, [...filters, ...lateFilters]);
      byCategory.set(
        category,
        new ScenePipeline(
          scene,
          { recalls, fallback, budget, filters, lateFilters, rank, sorts, features, backfill, names, asynLoadFeature },
          metrics,
          config.monitoring.enable_metrics,
        ),
      );
    }
    scenes.set(scene, byCategory);
  }
  return scenes;
}

/**
 * Builds sorts by the name SortNames uses (a SortConfs entry, else a type's own name),
 * handing each the same builder so a sort that runs others (ConditionSort) finds them.
 * The config check refused circles (StageTypeInfo.runs), so the recursion ends.
 */
function sortBuilder(confs: ReadonlyMap<string, SortConf>, types: PipelineTypes): (name: string) => Sort | undefined {
  const sortNamed = (n: string): Sort | undefined => {
    const conf = confs.get(n) ?? { Name: n, SortType: n };
    return types.sort.get(conf.SortType)?.create(conf, { sortNamed });
  };
  return sortNamed;
}

/** A scene's back-fill: its BackfillRecall's items, else its fallback list, else none. */
function backfillOf(recall: RecallSource | undefined, fallback: Fallback | undefined, filters: readonly Filter[]): Backfill | undefined {
  if (recall) return new Backfill(recall.name, (ctx) => recall.recall(ctx), filters);
  if (fallback) return new Backfill(FALLBACK_RETRIEVE_ID, () => fallback.items(Number.MAX_SAFE_INTEGER), filters);
  return undefined;
}
