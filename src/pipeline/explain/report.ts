import type { StageTrace } from '../context.js';

/** One recall source that found an item, with the score it gave (before dedup). */
export interface ExplainSource {
  readonly recall: string;
  readonly score: number;
}

/** An item's place before and after one sort (`after` null: the sort left it out). */
export interface ExplainMove {
  readonly sort: string;
  readonly before: number;
  readonly after: number | null;
  /** Its score once the sort ran (a boost sort changes it). */
  readonly score: number | null;
}

/** What happened to one item id in one request. */
export interface ExplainItem {
  readonly item_id: string;
  readonly sources: readonly ExplainSource[];
  /** Each rank algorithm's score (candidate.scoreMap), when the scene ranks with more than one or a RankScore. */
  readonly scores?: Readonly<Record<string, number>>;
  /** The score rank gave it (the first algorithm's, or RankScore's). */
  readonly rank_score?: number;
  readonly moves: readonly ExplainMove[];
  /** 0-based place in the answer; null when it is not in the answer. */
  readonly final_position: number | null;
  readonly final_score?: number;
  /** retrieve_id as answered. */
  readonly retrieve_id?: string;
  /** Why it is not in the answer. */
  readonly dropped?: { readonly by: string; readonly stage: 'filter' | 'sort' | 'size' | 'fallback'; readonly reason?: string };
}

/** One filter or sort as it ran: its configured name, counts in and out, time. */
export interface ExplainStep {
  readonly name: string;
  readonly in: number;
  readonly out: number;
  readonly ms: number;
}

/** `explain` in the /api/recommend answer. */
export interface ExplainReport {
  /** Per stage count in and out and time (the `debug` trace). */
  readonly stages: readonly StageTrace[];
  readonly filters: readonly ExplainStep[];
  readonly sorts: readonly ExplainStep[];
  /** `pipeline`, or `fallback:<reason>` when the scene's fallback list answered. */
  readonly served: string;
  /** The answer's items in order, then the ones left out (cut by size, dropped by a sort, then by a filter). */
  readonly items: readonly ExplainItem[];
}
