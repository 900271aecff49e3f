import type { Candidate } from '../context.js';

// Reused between calls: the sort is synchronous, so one request at a time uses them.
let keys = new Float64Array(512);
let order = new Int32Array(512);
let spare = new Int32Array(512);

/** Insertion-sorted runs of this length, then merged: the usual small-run cut-over. */
const RUN = 16;

/**
 * Candidates by score, highest first, in place; ties (and NaN scores, which go last)
 * keep their input order. Hand-written because Array.prototype.sort calls its comparator
 * through a generic call per comparison: a stable merge sort of indices over a typed key
 * array measured ≈ 2.3 × faster on a request's 400 candidates (bench/candidates.ts).
 */
export function sortByScore(cands: Candidate[]): Candidate[] {
  const n = cands.length;
  if (n < 2) return cands;
  if (keys.length < n) {
    keys = new Float64Array(2 * n);
    order = new Int32Array(2 * n);
    spare = new Int32Array(2 * n);
  }
  const k = keys;
  for (let i = 0; i < n; i++) {
    const s = (cands[i] as Candidate).score;
    k[i] = s === s ? s : Number.NEGATIVE_INFINITY;
  }
  let a = order;
  let b = spare;
  for (let i = 0; i < n; i++) a[i] = i;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const x = a[i] as number;
      const key = k[x] as number;
      let j = i - 1;
      // Strictly less moves: an equal key stays behind its predecessor (stable).
      while (j >= lo && (k[a[j] as number] as number) < key) {
        a[j + 1] = a[j] as number;
        j--;
      }
      a[j + 1] = x;
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let o = lo;
      // The right run wins only when strictly greater (stable).
      while (i < mid && j < hi) b[o++] = (k[a[j] as number] as number) > (k[a[i] as number] as number) ? (a[j++] as number) : (a[i++] as number);
      while (i < mid) b[o++] = a[i++] as number;
      while (j < hi) b[o++] = a[j++] as number;
    }
    const t = a;
    a = b;
    b = t;
  }
  const copy = cands.slice();
  for (let i = 0; i < n; i++) cands[i] = copy[a[i] as number] as Candidate;
  return cands;
}
