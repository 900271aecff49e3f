import { setImmediate as nextTurn } from 'node:timers/promises';

/** Row-wise work over `rows`, as (from, to) ranges. */
export type RowWork = (from: number, to: number) => void;

/**
 * Rows per slice when work runs beside serving: ≈ 5–10 ms of building row objects at
 * 100k rows, so a request waits at most that long behind a catalog swap's preparation.
 */
export const SLICE_ROWS = 8192;

/** Runs `work` over all rows at once (a start, where nothing is being served yet). */
export function allRows(rows: number, work: RowWork): void {
  work(0, rows);
}

/** Runs `work` over the rows in slices, yielding the event loop between them (a live refresh). */
export async function rowsInSlices(rows: number, work: RowWork): Promise<void> {
  for (let from = 0; from < rows; from += SLICE_ROWS) {
    work(from, Math.min(rows, from + SLICE_ROWS));
    if (from + SLICE_ROWS < rows) await nextTurn();
  }
}
