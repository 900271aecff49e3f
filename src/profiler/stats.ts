/** Time per run of one pass, in milliseconds. */
export interface RunStats {
  readonly runs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly runsPerSecond: number;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

export function summarise(times: readonly number[]): RunStats {
  const sorted = [...times].sort((a, b) => a - b);
  const total = times.reduce((s, t) => s + t, 0);
  const meanMs = times.length === 0 ? 0 : total / times.length;
  return {
    runs: times.length,
    meanMs,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    runsPerSecond: total > 0 ? (times.length * 1000) / total : 0,
  };
}
