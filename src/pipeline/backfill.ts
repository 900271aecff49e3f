import { performance } from 'node:perf_hooks';
import type { EngineMetrics } from '../observability/metrics.js';
import { copyCandidate } from './context.js';
import type { Candidate, PipelineContext, StageTrace } from './context.js';
import type { Filter } from './filter/index.js';

/** Where a short page's remaining items come from: a recall source, or a fixed list (the fallback's). */
export type BackfillItems = (ctx: PipelineContext) => Promise<readonly Candidate[]> | readonly Candidate[];

/**
 * PaiRec's "size not enough": a page the pipeline left shorter than `size` (a new user
 * with no vector, aggressive filters) is topped up from the scene's BackfillRecall or its
 * FallbackConfig list, after the page's own items, through the scene's filters (a
 * back-filled item is deduplicated, and one the user was shown is not served). Runs only
 * for a short page, so a full page pays one comparison.
 */
export class Backfill {
  readonly #name: string;
  readonly #items: BackfillItems;
  readonly #filters: readonly Filter[];

  constructor(name: string, items: BackfillItems, filters: readonly Filter[]) {
    this.#name = name;
    this.#items = items;
    this.#filters = filters;
  }

  /** `page` topped up to at most `size` items; the debug trace says how many came from where. */
  async fill(page: Candidate[], ctx: PipelineContext, trace: StageTrace[] | undefined): Promise<Candidate[]> {
    const t = performance.now();
    const size = ctx.request.size;
    const extra = await this.#items(ctx);
    let all: Candidate[] = page.concat(extra.map(copyCandidate));
    for (const f of this.#filters) all = await f(all, ctx);
    const out = all.length > size ? all.slice(0, size) : all;
    const added = out.length - page.length;
    trace?.push({
      stage: 'backfill',
      in: extra.length,
      out: added,
      ms: Math.round((performance.now() - t) * 1000) / 1000,
      errors: [`size not enough: ${page.length} of ${size} items; ${Math.max(0, added)} back-filled from ${this.#name}`],
    });
    return out;
  }
}

/** Counts a short page and back-fills it when the scene can. */
export async function completePage(
  page: Candidate[],
  ctx: PipelineContext,
  scene: string,
  backfill: Backfill | undefined,
  metrics: EngineMetrics,
  trace: StageTrace[] | undefined,
): Promise<Candidate[]> {
  metrics.itemsNotEnough.labels(scene).inc();
  // Without a back-fill the sort stage's count in the trace already shows the short page.
  return backfill ? backfill.fill(page, ctx, trace) : page;
}
