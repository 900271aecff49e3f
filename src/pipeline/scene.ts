import { performance } from 'node:perf_hooks';
import { PairecError } from '../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../config/schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { Candidate, PipelineContext, StageTrace } from './context.js';
import { FILTER_TYPES, uniqueFilter } from './filter/index.js';
import type { Filter, FilterEnv } from './filter/index.js';
import { SORT_TYPES } from './sort/index.js';
import type { Sort } from './sort/index.js';
import { RECALL_TYPES } from './recall/index.js';
import type { RecallSource } from './recall/index.js';
import { createRankStage } from './rank.js';
import type { RankStage } from './rank.js';

type Stage = 'recall' | 'filter' | 'rank' | 'sort';

/** One scene and category, compiled from the config: the stages a request runs. */
export class ScenePipeline {
  readonly scene: string;
  readonly #recalls: readonly RecallSource[];
  readonly #filters: readonly Filter[];
  readonly #rank: RankStage | undefined;
  readonly #sorts: readonly Sort[];
  readonly #stageTimers: Record<Stage, { observe(v: number): void }>;

  constructor(
    scene: string,
    parts: { recalls: RecallSource[]; filters: Filter[]; rank: RankStage | undefined; sorts: Sort[] },
    metrics: EngineMetrics,
  ) {
    this.scene = scene;
    this.#recalls = parts.recalls;
    this.#filters = parts.filters;
    this.#rank = parts.rank;
    this.#sorts = parts.sorts;
    const timer = (stage: Stage) => metrics.stageDuration.labels(scene, stage);
    this.#stageTimers = { recall: timer('recall'), filter: timer('filter'), rank: timer('rank'), sort: timer('sort') };
  }

  /** Runs recall → filter → rank → sort and returns at most `size` items. */
  async run(ctx: PipelineContext, trace: StageTrace[] | undefined): Promise<Candidate[]> {
    let t = performance.now();
    const mark = (stage: Stage, input: number, output: number, errors?: string[]): void => {
      const now = performance.now();
      this.#stageTimers[stage].observe((now - t) / 1000);
      trace?.push({ stage, in: input, out: output, ms: Math.round((now - t) * 1000) / 1000, ...(errors?.length ? { errors } : {}) });
      t = now;
    };

    const settled = await Promise.allSettled(this.#recalls.map((r) => r.recall(ctx)));
    let cands: Candidate[] = [];
    const errors: string[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') cands = cands.concat(s.value as Candidate[]);
      else errors.push(`${this.#recalls[i]?.name ?? '?'}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
    });
    if (errors.length === this.#recalls.length && errors.length > 0) {
      const first = settled.find((s) => s.status === 'rejected');
      throw new PairecError('ERR_RECALL_FAILED', `every recall failed: ${errors.join('; ')}`, { cause: first?.reason });
    }
    mark('recall', this.#recalls.length, cands.length, errors);

    const before = cands.length;
    for (const f of this.#filters) cands = await f(cands, ctx);
    mark('filter', before, cands.length);

    if (this.#rank) {
      await this.#rank(cands, ctx);
      mark('rank', cands.length, cands.length);
    }
    for (const s of this.#sorts) cands = s(cands, ctx);
    const out = cands.length > ctx.request.size ? cands.slice(0, ctx.request.size) : cands;
    mark('sort', cands.length, out.length);
    return out;
  }
}

/** Compiles every scene and category of a validated config. */
export function compileScenes(
  config: Config,
  env: FilterEnv & { readonly catalog: Catalog | undefined },
  metrics: EngineMetrics,
): ReadonlyMap<string, ReadonlyMap<string, ScenePipeline>> {
  const { catalog } = env;
  const filterConfs = new Map(config.FilterConfs.map((f) => [f.Name, f]));
  const recallConfs = new Map(config.RecallConfs.map((r) => [r.Name, r]));
  const sortConfs = new Map(config.SortConfs.map((s) => [s.Name, s.SortType]));
  const scenes = new Map<string, Map<string, ScenePipeline>>();
  for (const [scene, categories] of Object.entries(config.SceneConfs)) {
    const filters: Filter[] = [uniqueFilter];
    for (const n of config.FilterNames[scene] ?? []) {
      if (n === 'UniqueFilter') continue; // always first already
      // A FilterConfs name, or a filter type's own name with its defaults.
      const conf = filterConfs.get(n) ?? { Name: n, FilterType: n, TimeInterval: 86400 };
      const def = FILTER_TYPES.get(conf.FilterType);
      if (def) filters.push(def.create(conf, env));
    }
    const sortNames = config.SortNames[scene] ?? ['ItemRankScore'];
    const sorts = sortNames.map((n) => SORT_TYPES.get(sortConfs.get(n) ?? n)).filter((s): s is Sort => s !== undefined);
    const rankConf = config.RankConf[scene];
    const rank = rankConf ? createRankStage(rankConf) : undefined;
    const byCategory = new Map<string, ScenePipeline>();
    for (const [category, conf] of Object.entries(categories)) {
      const recalls = conf.RecallNames.map((n) => {
        const rc = recallConfs.get(n);
        const def = rc && RECALL_TYPES.get(rc.RecallType);
        // parseConfig checked every name: reaching this is a bug, not a config mistake.
        if (!rc || !def) throw new PairecError('ERR_INTERNAL', `unvalidated recall "${n}"`);
        return def.create(rc, { catalog });
      });
      byCategory.set(category, new ScenePipeline(scene, { recalls, filters, rank, sorts }, metrics));
    }
    scenes.set(scene, byCategory);
  }
  return scenes;
}
