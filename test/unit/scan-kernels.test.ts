import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { compileKernels, KERNELS_WAT } from '../../tools/build-kernels.js';
import { KERNELS_WASM_BASE64 } from '../../src/vector/kernels/wasm.js';
import { paddedStride, SCORE_MODE, ScanKernels } from '../../src/vector/kernels/scan.js';
import type { ScoreMode } from '../../src/vector/kernels/scan.js';

const MODES: readonly ScoreMode[] = [SCORE_MODE.dot, SCORE_MODE.scaled, SCORE_MODE.l2];

describe('scan kernels (WebAssembly)', () => {
  it('the committed binary is the compiled kernels.wat (rebuild with dist/tools/build-kernels.js)', async () => {
    const compiled = await compileKernels(readFileSync(KERNELS_WAT, 'utf8'));
    assert.deepEqual(Buffer.from(KERNELS_WASM_BASE64, 'base64'), Buffer.from(compiled));
  });

  it('property: dots gives each padded row’s dot product, scaled or l2-shifted by its weight', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom(...MODES),
        fc.integer({ min: 0, max: 10_000 }),
        (dim, n, mode, seed) => {
          const stride = paddedStride(dim);
          assert.equal(stride % 16, 0);
          assert.ok(stride >= dim && stride < dim + 16);
          const b = ScanKernels.bytes;
          const k = new ScanKernels(b(n * stride) + b(stride) + b(n) + b(n));
          const rows = k.f32(n * stride);
          const q = k.f32(stride);
          const w = k.f32(n);
          const out = k.f32(n);
          const value = (i: number): number => Math.fround(Math.sin(seed + i * 1.7) * 2);
          for (let r = 0; r < n; r++) for (let d = 0; d < dim; d++) rows.view[r * stride + d] = value(r * 100 + d);
          for (let d = 0; d < dim; d++) q.view[d] = value(-1 - d);
          for (let r = 0; r < n; r++) w.view[r] = value(7777 + r);
          k.dots(rows.ptr, n, stride, q.ptr, out.ptr, w.ptr, mode);
          for (let r = 0; r < n; r++) {
            let dot = 0;
            for (let d = 0; d < dim; d++) dot += (rows.view[r * stride + d] as number) * (q.view[d] as number);
            const wr = w.view[r] as number;
            const want = mode === SCORE_MODE.dot ? dot : mode === SCORE_MODE.scaled ? dot * wr : 2 * dot - wr;
            assert.ok(Math.abs((out.view[r] as number) - want) <= 1e-4 * (1 + Math.abs(want)), `row ${r}: ${out.view[r]} vs ${want}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: topk answers the k largest scores with their indices, best first', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, min: -1e6, max: 1e6 }), { maxLength: 300 }), fc.integer({ min: 0, max: 320 }), (values, kWanted) => {
        const n = values.length;
        const b = ScanKernels.bytes;
        const k = new ScanKernels(b(n) + b(2 * n));
        const scores = k.f32(n);
        const heap = k.f32(2 * n);
        scores.view.set(values);
        const found = k.topk(scores.ptr, n, kWanted, heap.ptr);
        assert.equal(found, Math.min(kWanted, n));
        const index = k.i32(heap);
        const got = Array.from({ length: found }, (_, i) => index[2 * i + 1] as number);
        assert.equal(new Set(got).size, found, 'distinct indices');
        got.forEach((at, i) => assert.equal(heap.view[2 * i], scores.view[at], 'pairs carry their own score'));
        // + 0: −0 and 0 tie, and either may be picked.
        const want = Array.from(scores.view, (x) => x + 0)
          .sort((x, y) => y - x)
          .slice(0, found);
        assert.deepEqual(
          got.map((at) => (scores.view[at] as number) + 0),
          want,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a region beyond the memory it was sized for', () => {
    const k = new ScanKernels(ScanKernels.bytes(10));
    k.f32(10);
    // The memory is whole 64 KiB pages: a region past the last page is refused.
    assert.throws(() => k.f32(70_000), RangeError);
  });

  it('refuses, with what to use instead, a memory beyond the 4 GiB of 32-bit WebAssembly', () => {
    assert.throws(() => new ScanKernels(5 * 2 ** 30), /4 GiB: use an HNSW index or a remote one/);
  });
});
