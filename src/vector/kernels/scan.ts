import { KERNELS_WASM_BASE64 } from './wasm.js';

/** How `dots` turns a row's dot product into its score (see kernels.wat). */
export const SCORE_MODE = {
  /** The dot product itself (inner product). */
  dot: 0,
  /** dot × w[row]: cosine, with w = 1 / |row| and a unit query. */
  scaled: 1,
  /** 2·dot − w[row]: l2, with w = |row|²; minus |query|² it is −‖row − query‖². */
  l2: 2,
} as const;
export type ScoreMode = (typeof SCORE_MODE)[keyof typeof SCORE_MODE];

interface KernelExports {
  dots(rows: number, n: number, stride: number, q: number, out: number, w: number, mode: number): void;
  topk(scores: number, n: number, k: number, heap: number): number;
}

const PAGE = 65536;
/** A 32-bit WebAssembly memory: 4 GiB. */
const MAX_PAGES = 65536;
// Compiled once per process; each ScanKernels instantiates it over its own memory.
const MODULE = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));

/** Rows padded to a multiple of 16 floats: the kernel reads 4 × f32x4 per step. */
export const paddedStride = (dim: number): number => Math.ceil(dim / 16) * 16;

/** A region of the kernels' memory: its byte address and a view of it. */
export interface F32Region {
  readonly ptr: number;
  readonly view: Float32Array;
}

/**
 * One instance of the scan kernels over a memory sized once for every region it will
 * hold (`bytes`). Regions are carved in order with `f32`; the memory never grows, so the
 * views handed out stay valid for the instance's life (a grown WebAssembly memory
 * detaches every view of its old buffer).
 */
export class ScanKernels {
  readonly #exports: KernelExports;
  readonly #buffer: ArrayBuffer;
  #next = 0;

  constructor(bytes: number) {
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    if (pages > MAX_PAGES) {
      throw new RangeError(
        `the index needs ${(bytes / 2 ** 30).toFixed(1)} GiB in one WebAssembly memory, which holds at most 4 GiB: use an HNSW index or a remote one (MILVUS, FAISS)`,
      );
    }
    const memory = new WebAssembly.Memory({ initial: pages });
    const instance = new WebAssembly.Instance(MODULE, { env: { memory } });
    this.#exports = instance.exports as unknown as KernelExports;
    this.#buffer = memory.buffer;
  }

  /** Bytes a region of n floats takes, for sizing the constructor's `bytes`. */
  static bytes(n: number): number {
    return Math.ceil((n * 4) / 16) * 16;
  }

  /** A zeroed region of n floats (16-byte aligned). */
  f32(n: number): F32Region {
    const ptr = this.#next;
    const size = ScanKernels.bytes(n);
    if (ptr + size > this.#buffer.byteLength) throw new RangeError(`scan kernels: ${ptr + size} bytes asked of ${this.#buffer.byteLength}`);
    this.#next = ptr + size;
    return { ptr, view: new Float32Array(this.#buffer, ptr, n) };
  }

  /** Int32 view of a region (the heap's indices are its odd words). */
  i32(region: F32Region): Int32Array {
    return new Int32Array(this.#buffer, region.ptr, region.view.length);
  }

  /** Scores of n rows (`stride` floats apart from `rows`) against the query `q` into `out`; `w` per row as `mode` says. */
  dots(rows: number, n: number, stride: number, q: number, out: number, w: number, mode: ScoreMode): void {
    this.#exports.dots(rows, n, stride, q, out, w, mode);
  }

  /**
   * The k best of n scores at `scores`, best first, as (score, index) pairs in `heap`
   * (2 floats per pair; read the index from the region's i32 view). Returns min(k, n).
   */
  topk(scores: number, n: number, k: number, heap: number): number {
    return this.#exports.topk(scores, n, k, heap);
  }
}
