import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface Outcome {
  /** ms after the run started that the request was sent. */
  readonly sentAt: number;
  readonly ms: number;
  /** HTTP status, or 0 for a transport error. */
  readonly status: number;
  readonly errorCode?: string;
  readonly error?: string;
}

/** A loopback load generator over one undici pool (keep-alive connections, no pipelining). */
export class Load {
  readonly #pool: Pool;

  constructor(
    readonly origin: string,
    connections = 256,
  ) {
    this.#pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  async one(path: string, body: string, t0 = performance.now()): Promise<Outcome> {
    const sent = performance.now();
    try {
      const res = await this.#pool.request({ path, method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const text = await res.body.text();
      const ms = performance.now() - sent;
      let errorCode: string | undefined;
      if (res.statusCode !== 200) errorCode = (JSON.parse(text) as { error_code?: string }).error_code;
      return { sentAt: sent - t0, ms, status: res.statusCode, ...(errorCode ? { errorCode } : {}) };
    } catch (err) {
      return { sentAt: sent - t0, ms: performance.now() - sent, status: 0, error: (err as Error).message };
    }
  }

  /** Open loop: `rate` requests a second for `durationMs`, whatever the answers take. */
  async open(path: string, body: () => string, rate: number, durationMs: number): Promise<Outcome[]> {
    const t0 = performance.now();
    const out: Promise<Outcome>[] = [];
    while (true) {
      const elapsed = performance.now() - t0;
      if (elapsed >= durationMs) break;
      const due = Math.floor((elapsed * rate) / 1000);
      while (out.length < due) out.push(this.one(path, body(), t0));
      await new Promise((r) => setTimeout(r, 1));
    }
    return Promise.all(out);
  }

  /** Closed loop: `clients` callers, each sending its next request when the last is answered. */
  async closed(path: string, body: () => string, clients: number, durationMs: number): Promise<Outcome[]> {
    const t0 = performance.now();
    const out: Outcome[] = [];
    const client = async (): Promise<void> => {
      while (performance.now() - t0 < durationMs) out.push(await this.one(path, body(), t0));
    };
    await Promise.all(Array.from({ length: clients }, client));
    return out;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
