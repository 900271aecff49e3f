/**
 * The first non-finite value (NaN, ±Infinity) of a float column, or undefined. Read as
 * bits: a float32 is non-finite exactly when its exponent is all ones, a test on the
 * integer view that is cheaper than Number.isFinite on each value (bench/cache-checksum.ts).
 */
export function firstNonFinite(values: Float32Array): { index: number; value: number } | undefined {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) {
    if (((bits[i] as number) & 0x7f800000) === 0x7f800000) return { index: i, value: values[i] as number };
  }
  return undefined;
}

/** Where the first non-finite value of a row-major matrix `dim` wide lies, as text naming the row, or undefined. */
export function nonFiniteRow(values: Float32Array, dim: number): string | undefined {
  const bad = firstNonFinite(values);
  if (!bad) return undefined;
  return `row ${Math.floor(bad.index / dim)} (0-based), column ${bad.index % dim}, holds ${String(bad.value)}`;
}
