import { performance } from 'node:perf_hooks';
import type { Candidate, PipelineContext, StageTrace } from '../context.js';
import type { DropReason, Filter } from '../filter/index.js';
import type { Sort } from '../sort/index.js';
import type { ExplainItem, ExplainMove, ExplainReport, ExplainSource, ExplainStep } from './report.js';

/** A compiled filter's configured name, and how to say why it dropped an item when that is cheap to know. */
export interface FilterStep {
  readonly name: string;
  readonly why?: DropReason | undefined;
}

interface ItemRecord {
  readonly sources: ExplainSource[];
  scores?: Record<string, number>;
  rankScore?: number;
  readonly moves: ExplainMove[];
  dropped?: ExplainItem['dropped'];
}

const ms = (t0: number): number => Math.round((performance.now() - t0) * 1000) / 1000;

/**
 * Records one request's per-item decisions (the `explain` flag). It lives on the request's
 * context only when asked for: a normal request's stages test `ctx.explain` once each and
 * run exactly as before. It sees the candidates between steps and keys them by item id,
 * so it needs nothing from the steps themselves but their names.
 */
export class ExplainRecorder {
  readonly #items = new Map<string, ItemRecord>();
  readonly #filters: ExplainStep[] = [];
  readonly #sorts: ExplainStep[] = [];

  #item(id: string): ItemRecord {
    let r = this.#items.get(id);
    if (!r) this.#items.set(id, (r = { sources: [], moves: [] }));
    return r;
  }

  /** Every source's candidates, before dedup: which sources found an item, and their scores. */
  recalled(cands: readonly Candidate[]): void {
    for (const c of cands) this.#item(c.itemId).sources.push({ recall: c.retrieveId, score: c.recallScore });
  }

  /** Runs the filters as the scene would, noting which one dropped each item id (a duplicate copy is not a drop). */
  async filter(filters: readonly Filter[], steps: readonly FilterStep[], cands: Candidate[], ctx: PipelineContext): Promise<Candidate[]> {
    for (let i = 0; i < filters.length; i++) {
      const step = steps[i] ?? { name: `filter ${i}` };
      const t0 = performance.now();
      const out = await (filters[i] as Filter)(cands, ctx);
      this.#filters.push({ name: step.name, in: cands.length, out: out.length, ms: ms(t0) });
      if (out.length < cands.length) {
        const kept = new Set(out.map((c) => c.itemId));
        for (const c of cands) {
          if (kept.has(c.itemId)) continue;
          const r = this.#item(c.itemId);
          if (!r.dropped) r.dropped = { by: step.name, stage: 'filter', ...reasonOf(step, c, ctx) };
        }
      }
      cands = out;
    }
    return cands;
  }

  /** Scores as rank left them. */
  ranked(cands: readonly Candidate[]): void {
    for (const c of cands) {
      const r = this.#item(c.itemId);
      r.rankScore = c.score;
      if (c.scoreMap) r.scores = { ...c.scoreMap };
    }
  }

  /** Runs the sorts as the scene would, noting each item's place before and after each. */
  sort(sorts: readonly Sort[], names: readonly string[], cands: Candidate[], ctx: PipelineContext): Candidate[] {
    for (let i = 0; i < sorts.length; i++) {
      const name = names[i] ?? `sort ${i}`;
      // Sorts may reorder in place: places before are taken first.
      const before = new Map<string, number>();
      cands.forEach((c, k) => before.has(c.itemId) || before.set(c.itemId, k));
      const t0 = performance.now();
      const out = (sorts[i] as Sort)(cands, ctx);
      this.#sorts.push({ name, in: before.size, out: out.length, ms: ms(t0) });
      const after = new Map<string, Candidate>();
      out.forEach((c, k) => {
        if (after.has(c.itemId)) return;
        after.set(c.itemId, c);
        this.#item(c.itemId).moves.push({ sort: name, before: before.get(c.itemId) ?? -1, after: k, score: c.score });
      });
      for (const [id, k] of before) {
        if (after.has(id)) continue;
        const r = this.#item(id);
        r.moves.push({ sort: name, before: k, after: null, score: null });
        r.dropped ??= { by: name, stage: 'sort' };
      }
      cands = out;
    }
    return cands;
  }

  /** The report of the answer `items`, with the stage trace. */
  report(items: readonly Candidate[], stages: readonly StageTrace[]): ExplainReport {
    const fallback = stages.find((s) => s.stage === 'fallback');
    const served = fallback ? `fallback:${fallback.errors?.[0] ?? ''}` : 'pipeline';
    const answered: ExplainItem[] = [];
    const seen = new Set<string>();
    items.forEach((c, k) => {
      seen.add(c.itemId);
      const r = this.#items.get(c.itemId) ?? { sources: [{ recall: c.retrieveId, score: c.recallScore }], moves: [] };
      answered.push(itemOf(c.itemId, r, { final_position: k, final_score: c.score, retrieve_id: c.retrieveId }));
    });
    const left: ExplainItem[] = [];
    for (const [id, r] of this.#items) {
      if (seen.has(id)) continue;
      const dropped =
        r.dropped ??
        (fallback ? { by: served, stage: 'fallback' as const } : { by: 'size', stage: 'size' as const, reason: `below the first ${items.length} items` });
      left.push(itemOf(id, r, { final_position: null, dropped }));
    }
    // Cut by size first (they made it through every step), then by a sort, then by a filter.
    const order = { size: 0, fallback: 0, sort: 1, filter: 2 };
    left.sort((a, b) => order[a.dropped?.stage ?? 'size'] - order[b.dropped?.stage ?? 'size']);
    return { stages, filters: this.#filters, sorts: this.#sorts, served, items: answered.concat(left) };
  }
}

function reasonOf(step: FilterStep, c: Candidate, ctx: PipelineContext): { reason?: string } {
  const reason = step.why?.(c, ctx);
  return reason === undefined ? {} : { reason };
}

function itemOf(id: string, r: ItemRecord, rest: Pick<ExplainItem, 'final_position'> & Partial<ExplainItem>): ExplainItem {
  return {
    item_id: id,
    sources: r.sources,
    ...(r.scores ? { scores: r.scores } : {}),
    ...(r.rankScore === undefined ? {} : { rank_score: r.rankScore }),
    moves: r.moves,
    ...(r.dropped && rest.final_position === null ? { dropped: r.dropped } : {}),
    ...rest,
  };
}
