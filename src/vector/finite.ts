/**
 * The first non-finite value (NaN, ±Infinity) of a float column, or undefined. A plain
 * loop: ≈ 0.25 s over RW-1M's 64 M values (bench/cache-checksum.ts; a test of the
 * exponent bits on an integer view measured the same).
 */
export function firstNonFinite(values: Float32Array): { index: number; value: number } | undefined {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) return { index: i, value: v };
  }
  return undefined;
}

/** Where the first non-finite value of a row-major matrix `dim` wide lies, as text naming the row, or undefined. */
export function nonFiniteRow(values: Float32Array, dim: number): string | undefined {
  const bad = firstNonFinite(values);
  if (!bad) return undefined;
  return `row ${Math.floor(bad.index / dim)} (0-based), column ${bad.index % dim}, holds ${String(bad.value)}`;
}
