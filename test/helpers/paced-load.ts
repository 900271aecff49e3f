import { Pool } from 'undici';

export interface LoadFailure {
  readonly atMs: number;
  readonly status?: number;
  readonly error?: string;
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly failures: readonly LoadFailure[];
  /** The longest any request took to be answered or to fail, ms. */
  readonly slowestMs: number;
}

export interface PacedLoadOptions {
  readonly origin: string;
  readonly path: string;
  readonly body: (i: number) => string;
  /** Concurrent requests (each a closed loop on its own connection). */
  readonly connections: number;
  /** Target total rate; each loop waits for its next slot, and never bursts to catch up. */
  readonly ratePerSec: number;
  readonly durationMs: number;
  readonly timeoutMs?: number;
  /** Each request on a connection of its own (`Connection: close`), as clients without keep-alive. */
  readonly freshConnections?: boolean;
}

/**
 * Steady POST load at a bounded rate, counting every non-200 answer and every transport
 * error as a failure. A closed loop per connection (a slow answer delays that loop's next
 * request) keeps the offered load from piling up on a 2-core machine; pacing keeps it
 * well under saturation so the counts reflect failover, not overload.
 */
export async function runPacedLoad(opts: PacedLoadOptions): Promise<LoadResult> {
  const pool = new Pool(opts.origin, {
    connections: opts.connections,
    pipelining: 1,
    headersTimeout: opts.timeoutMs ?? 15_000,
    bodyTimeout: opts.timeoutMs ?? 15_000,
  });
  const intervalMs = (1000 * opts.connections) / opts.ratePerSec;
  const started = Date.now();
  const end = started + opts.durationMs;
  let sent = 0;
  let ok = 0;
  let slowestMs = 0;
  const failures: LoadFailure[] = [];
  const loop = async (lane: number): Promise<void> => {
    let next = started + (lane * intervalMs) / opts.connections;
    while (next < end) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next = Math.max(next + intervalMs, Date.now());
      const i = sent++;
      const t0 = Date.now();
      try {
        const res = await pool.request({
          path: opts.path,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: opts.body(i),
          ...(opts.freshConnections ? { reset: true } : {}),
        });
        await res.body.text();
        if (res.statusCode === 200) ok++;
        else failures.push({ atMs: Date.now(), status: res.statusCode });
      } catch (err) {
        failures.push({ atMs: Date.now(), error: err instanceof Error ? err.message : String(err) });
      }
      slowestMs = Math.max(slowestMs, Date.now() - t0);
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.connections }, (_v, lane) => loop(lane)));
  } finally {
    await pool.close();
  }
  return { sent, ok, failures, slowestMs };
}
