import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface OpenLoopResult {
  readonly offered: number;
  readonly achieved: number;
  readonly sent: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

const pct = (sorted: Float64Array, p: number): number => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0));

/**
 * Open loop at a fixed rate: request i is due at start + i / rate whatever the earlier
 * ones did, and its latency counts from when it was due, not when it was sent — so a
 * stall shows as the latency it causes (no coordinated omission). A 1 ms scheduler tick
 * sends every request that is due; wrk has no rate control and autocannon's is bursty.
 */
export async function openLoop(url: string, opts: { rate: number; seconds: number; scene: string; users: number; connections?: number }): Promise<OpenLoopResult> {
  const pool = new Pool(url, { connections: opts.connections ?? 128, pipelining: 1 });
  const total = Math.round(opts.rate * opts.seconds);
  const latencies = new Float64Array(total);
  let done = 0;
  let errors = 0;
  let sent = 0;
  const start = performance.now() + 20;
  const one = (i: number): void => {
    const due = start + (i * 1000) / opts.rate;
    const uid = 1 + Math.floor(Math.random() * opts.users);
    pool
      .request({ path: '/api/recommend', method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"uid":"${uid}","scene_id":"${opts.scene}","size":20}` })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode !== 200) errors++;
      })
      .catch(() => {
        errors++;
      })
      .finally(() => {
        latencies[i] = performance.now() - due;
        done++;
      });
  };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / opts.rate <= now) one(sent++);
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 1);
  });
  const deadline = performance.now() + 30_000;
  while (done < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  const sorted = latencies.slice(0, done).sort();
  return { offered: opts.rate, achieved: done / elapsed, sent, errors: errors + (total - done), p50Ms: pct(sorted, 50), p95Ms: pct(sorted, 95), p99Ms: pct(sorted, 99) };
}
