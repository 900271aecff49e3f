/**
 * The `count` rows of highest `key`, best first; ties by lower row first (what a stable
 * sort by descending key gives). A bounded min-heap: O(n log count) with no comparator
 * call per pair, where sorting all 100k rows of a catalog held a serving thread ≈ 80 ms
 * during a live refresh.
 */
export function topRows(key: (row: number) => number, rows: number, count: number): number[] {
  const k = Math.min(count, rows);
  if (k <= 0) return [];
  const heap = new Int32Array(k); // heap[0] is the worst of the kept rows
  const keys = new Float64Array(k);
  let size = 0;
  // a is worse than b: lower key, or the same key at a higher row.
  const worse = (ka: number, ra: number, kb: number, rb: number): boolean => ka < kb || (ka === kb && ra > rb);
  const siftDown = (at: number): void => {
    for (;;) {
      const l = 2 * at + 1;
      if (l >= size) return;
      const r = l + 1;
      const w = r < size && worse(keys[r] as number, heap[r] as number, keys[l] as number, heap[l] as number) ? r : l;
      if (!worse(keys[w] as number, heap[w] as number, keys[at] as number, heap[at] as number)) return;
      swap(heap, keys, at, w);
      at = w;
    }
  };
  for (let row = 0; row < rows; row++) {
    const v = key(row);
    if (size < k) {
      let at = size++;
      heap[at] = row;
      keys[at] = v;
      while (at > 0) {
        const up = (at - 1) >> 1;
        if (!worse(keys[at] as number, heap[at] as number, keys[up] as number, heap[up] as number)) break;
        swap(heap, keys, at, up);
        at = up;
      }
    } else if (worse(keys[0] as number, heap[0] as number, v, row)) {
      heap[0] = row;
      keys[0] = v;
      siftDown(0);
    }
  }
  const out: number[] = [];
  while (size > 0) {
    out.push(heap[0] as number);
    size--;
    heap[0] = heap[size] as number;
    keys[0] = keys[size] as number;
    siftDown(0);
  }
  return out.reverse();
}

function swap(heap: Int32Array, keys: Float64Array, a: number, b: number): void {
  const r = heap[a] as number;
  heap[a] = heap[b] as number;
  heap[b] = r;
  const v = keys[a] as number;
  keys[a] = keys[b] as number;
  keys[b] = v;
}
