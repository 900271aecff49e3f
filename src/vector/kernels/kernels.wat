;; Scan kernels of the IVF index: dot products of a query against rows of f32 vectors
;; (WebAssembly SIMD, 4 × f32x4 accumulators) and the k best of n scores (a min-heap of
;; (score, index) pairs, then heap-sorted best first).
;;
;; Written by hand because no maintained npm package scans a subset of rows with SIMD and
;; selects the top k: usearch's exactSearch costs ≈ 35 ns per 64-d row plus its sort
;; (bench/ann.ts), this ≈ 6 × less per row. src/vector/kernels/wasm.ts is the compiled
;; form: `node dist/tools/build-kernels.js` rebuilds it, and a test checks it is current.
(module
  ;; The caller sizes the memory once (ScanKernels) and never grows it: views stay valid.
  (import "env" "memory" (memory 1))

  ;; out[i] = score of row i (n rows of `stride` f32 at $rows, stride a multiple of 16)
  ;; against the query at $q (stride f32, zero-padded like the rows). $mode: 0 the dot
  ;; product; 1 dot × w[i] (cosine: w = 1 / |row|); 2 2·dot − w[i] (l2: w = |row|²).
  (func (export "dots") (param $rows i32) (param $n i32) (param $stride i32) (param $q i32)
                        (param $out i32) (param $w i32) (param $mode i32)
    (local $end i32) (local $qp i32) (local $qe i32) (local $dot f32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $qe (i32.add (local.get $q) (i32.shl (local.get $stride) (i32.const 2))))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $qp (local.get $q))
        (loop $col
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $rows)) (v128.load (local.get $qp)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $rows)) (v128.load offset=16 (local.get $qp)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $rows)) (v128.load offset=32 (local.get $qp)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $rows)) (v128.load offset=48 (local.get $qp)))))
          (local.set $rows (i32.add (local.get $rows) (i32.const 64)))
          (local.set $qp (i32.add (local.get $qp) (i32.const 64)))
          (br_if $col (i32.lt_u (local.get $qp) (local.get $qe))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (local.set $dot
          (f32.add (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
                   (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (if (i32.eq (local.get $mode) (i32.const 1))
          (then (local.set $dot (f32.mul (local.get $dot) (f32.load (local.get $w))))))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then (local.set $dot (f32.sub (f32.add (local.get $dot) (local.get $dot)) (f32.load (local.get $w))))))
        (f32.store (local.get $out) (local.get $dot))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (br $row))))

  ;; Min-heap sift-down over (score f32, index i32) pairs at $h.
  (func $sift (param $h i32) (param $i i32) (param $size i32)
    (local $xs f32) (local $xi i32) (local $c i32) (local $cs f32) (local $rs f32) (local $p i32)
    (local.set $p (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 3))))
    (local.set $xs (f32.load (local.get $p)))
    (local.set $xi (i32.load offset=4 (local.get $p)))
    (block $done
      (loop $down
        (local.set $c (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $c) (local.get $size)))
        (local.set $cs (f32.load (i32.add (local.get $h) (i32.shl (local.get $c) (i32.const 3)))))
        (if (i32.lt_u (i32.add (local.get $c) (i32.const 1)) (local.get $size))
          (then
            (local.set $rs (f32.load offset=8 (i32.add (local.get $h) (i32.shl (local.get $c) (i32.const 3)))))
            (if (f32.lt (local.get $rs) (local.get $cs))
              (then (local.set $c (i32.add (local.get $c) (i32.const 1))) (local.set $cs (local.get $rs))))))
        (br_if $done (f32.ge (local.get $cs) (local.get $xs)))
        (i64.store (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 3)))
                   (i64.load (i32.add (local.get $h) (i32.shl (local.get $c) (i32.const 3)))))
        (local.set $i (local.get $c))
        (br $down)))
    (local.set $p (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 3))))
    (f32.store (local.get $p) (local.get $xs))
    (i32.store offset=4 (local.get $p) (local.get $xi)))

  ;; The k largest of n scores at $s as (score, index) pairs at $h, best first. Returns min(k, n).
  (func (export "topk") (param $s i32) (param $n i32) (param $k i32) (param $h i32) (result i32)
    (local $i i32) (local $t i64) (local $v f32) (local $min f32) (local $p i32)
    (if (i32.gt_u (local.get $k) (local.get $n)) (then (local.set $k (local.get $n))))
    (if (i32.eqz (local.get $k)) (then (return (i32.const 0))))
    (local.set $i (i32.const 0))
    (loop $fill
      (local.set $p (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 3))))
      (f32.store (local.get $p) (f32.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2)))))
      (i32.store offset=4 (local.get $p) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (local.get $k))))
    (local.set $i (i32.shr_u (local.get $k) (i32.const 1)))
    (block $built
      (loop $heapify
        (br_if $built (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (call $sift (local.get $h) (local.get $i) (local.get $k))
        (br $heapify)))
    (local.set $min (f32.load (local.get $h)))
    (local.set $i (local.get $k))
    (block $scanned
      (loop $scan
        (br_if $scanned (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (f32.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2)))))
        (if (f32.gt (local.get $v) (local.get $min))
          (then
            (f32.store (local.get $h) (local.get $v))
            (i32.store offset=4 (local.get $h) (local.get $i))
            (call $sift (local.get $h) (i32.const 0) (local.get $k))
            (local.set $min (f32.load (local.get $h)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    ;; Heap sort: move the minimum to the end k-1 times, leaving the best first.
    (local.set $i (i32.sub (local.get $k) (i32.const 1)))
    (block $sorted
      (loop $pop
        (br_if $sorted (i32.eqz (local.get $i)))
        (local.set $p (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $t (i64.load (local.get $h)))
        (i64.store (local.get $h) (i64.load (local.get $p)))
        (i64.store (local.get $p) (local.get $t))
        (call $sift (local.get $h) (i32.const 0) (local.get $i))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $pop)))
    (local.get $k))
)
