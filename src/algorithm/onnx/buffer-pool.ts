/**
 * Float32 input buffers for model runs. onnxruntime-node's `run()` reads its input at a
 * later event-loop turn (and piscina posts it later), so a buffer shared by concurrent
 * runs would be overwritten: each run takes its own and gives it back when it settles.
 * At most `MaxConcurrent` are out at once, so the pool stays that small.
 */
export class BufferPool {
  readonly #free: Float32Array[] = [];
  readonly #keep: number;

  constructor(keep: number) {
    this.#keep = keep;
  }

  /** A buffer of at least `length` floats (its contents are stale; callers overwrite). */
  take(length: number): Float32Array {
    for (let i = this.#free.length - 1; i >= 0; i--) {
      const b = this.#free[i];
      if (b && b.length >= length) {
        this.#free.splice(i, 1);
        return b;
      }
    }
    // Round up so a slightly larger batch next time reuses this buffer.
    return new Float32Array(Math.max(1024, 2 ** Math.ceil(Math.log2(Math.max(length, 1)))));
  }

  give(buffer: Float32Array): void {
    if (this.#free.length < this.#keep && buffer.buffer.byteLength > 0) this.#free.push(buffer);
  }

  get size(): number {
    return this.#free.length;
  }
}
