/** Deterministic vectors for the shared-lists tests: the same in every process. */
export function listVectors(rows: number, dim: number): Float32Array {
  return Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 12.9898) * 0.5 + ((i * 7) % 13) / 26);
}
