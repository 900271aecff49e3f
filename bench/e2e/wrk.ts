import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bench/wrk/recommend.lua, from dist/bench/e2e/ or bench/e2e/. */
export const WRK_SCRIPT = fileURLToPath(new URL('../../../bench/wrk/recommend.lua', import.meta.url));

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly qps: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** One closed-loop wrk run (Debian's wrk) against `url` with the recommend script. */
export function runWrk(url: string, opts: { connections: number; threads: number; seconds: number; scene: string; users: number }): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const args = ['-t', String(opts.threads), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '-s', WRK_SCRIPT, url];
    const p = spawn('wrk', args, { env: { ...process.env, SCENE: opts.scene, USERS: String(opts.users) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    p.on('error', (err) => reject(new Error(`wrk could not start (apt-get install wrk): ${err.message}`)));
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (code !== 0 || !line) return reject(new Error(`wrk failed (${String(code)}): ${out}`));
      const j = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>;
      const seconds = (j.duration_us ?? 0) / 1e6;
      const requests = j.requests ?? 0;
      resolve({
        requests,
        seconds,
        qps: requests / seconds,
        errors: j.errors ?? 0,
        p50Ms: (j.p50_us ?? 0) / 1000,
        p95Ms: (j.p95_us ?? 0) / 1000,
        p99Ms: (j.p99_us ?? 0) / 1000,
        maxMs: (j.max_us ?? 0) / 1000,
      });
    });
  });
}
