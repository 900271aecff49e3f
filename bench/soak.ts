/**
 * Soak: a live `pairec serve` under steady load while its rank backend is killed and
 * restarted every `--kill-every` seconds. Samples the server's RSS (/proc/PID/status) and
 * open file descriptors (/proc/PID/fd) every second and asserts, after the warm-up, that
 * RSS grew < 10 % and the descriptor count stayed flat. Prints one JSON summary line;
 * exits 1 when a promise is broken.
 *
 *   npm run soak                      # 10 minutes
 *   node dist/bench/soak.js --duration 60 [--rate 50] [--kill-every 30] [--down 3] [--warmup s] [--warmup-rate r]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { StubBackend } from '../test/helpers/stub-backend.js';
import { startFaultServer } from '../test/helpers/fault-server.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' },
    rate: { type: 'string', default: '50' },
    'kill-every': { type: 'string', default: '30' },
    /** Seconds the backend stays down before it is restarted. */
    down: { type: 'string', default: '3' },
    /** Seconds of warm-up before the baseline is taken (default: 20 s, or 10 % of a longer run). */
    warmup: { type: 'string' },
    /**
     * Requests per second during the warm-up (default 4 × rate): V8 grows its heap for
     * the first few thousand requests until its first major collections; a short run must
     * get past them before its baseline, or it measures heap sizing, not a leak.
     */
    'warmup-rate': { type: 'string' },
  },
});
const durationS = Number(values.duration);
const rate = Number(values.rate);
const killEveryS = Number(values['kill-every']);
const downS = Number(values.down);
const warmupS = values.warmup === undefined ? Math.max(20, durationS * 0.1) : Number(values.warmup);
const warmupRate = values['warmup-rate'] === undefined ? 4 * rate : Number(values['warmup-rate']);
const RSS_GROWTH_LIMIT = 0.1;
/** Descriptors may differ by the pooled connections open at the moment of a sample. */
const FD_SLACK = 10;

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}
const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

const backend = await StubBackend.start('ok');
const server = await startFaultServer(backend.base, {
  requestTimeoutMs: 300,
  kserve: { Timeout: 200 },
  // Short ejections, so each restart is noticed within seconds rather than 30 s.
  optimization: { circuit_breaker_ejection_ms: 1000, circuit_breaker_max_ejection_ms: 2000 },
});
const pid = server.proc.pid ?? 0;

const counts = { sent: 0, ranked: 0, fallback: 0, other: 0, errors: 0, kills: 0 };
const statuses: Record<string, number> = {};
const pool = new Pool(server.url, { connections: 16 });
const inFlight = new Set<Promise<void>>();
const send = (i: number): void => {
  const p = pool
    .request({
      path: '/api/recommend',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: String(1 + (i % 50)), size: 10 }),
    })
    .then(async (res) => {
      const text = await res.body.text();
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode !== 200) counts.other++;
      else if (text.includes('"retrieve_id":"fallback"')) counts.fallback++;
      else counts.ranked++;
    })
    .catch(() => void counts.errors++)
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
};

const samples: { t: number; rss: number; fds: number }[] = [];
const start = performance.now();
const elapsedS = (): number => (performance.now() - start) / 1000;
let nextKill = killEveryS;
let nextSample = 0;
const dueBy = (t: number): number => Math.floor(Math.min(t, warmupS) * warmupRate + Math.max(0, t - warmupS) * rate);
while (elapsedS() < durationS) {
  const due = dueBy(elapsedS());
  while (counts.sent < due) send(counts.sent++);
  if (elapsedS() >= nextSample) {
    samples.push({ t: elapsedS(), rss: rssBytes(pid), fds: fdCount(pid) });
    nextSample += 1;
  }
  if (elapsedS() >= nextKill) {
    nextKill += killEveryS;
    counts.kills++;
    await backend.kill();
    // Restarted after `down` seconds, while the load goes on.
    void sleep(downS * 1000).then(() => backend.restart('ok'));
  }
  await sleep(5);
}
await Promise.all(inFlight);
await pool.close();

const after = samples.filter((s) => s.t >= warmupS);
// The baseline is taken 5-10 s after the warm-up, once the heap has settled from the
// warm-up's faster allocation.
const base = after.filter((s) => s.t >= warmupS + 5 && s.t < warmupS + 10);
const last = after.slice(-5);
const baseRss = median(base.map((s) => s.rss));
const lastRss = median(last.map((s) => s.rss));
const baseFds = Math.max(...base.map((s) => s.fds));
const lastFds = median(last.map((s) => s.fds));
const growth = (lastRss - baseRss) / baseRss;
const summary = {
  duration_s: durationS,
  rate,
  warmup_s: warmupS,
  warmup_rate: warmupRate,
  kills: counts.kills,
  requests: counts.sent,
  ranked: counts.ranked,
  fallback: counts.fallback,
  non_200: counts.other,
  statuses,
  transport_errors: counts.errors,
  rss_baseline_mb: +(baseRss / 2 ** 20).toFixed(1),
  rss_final_mb: +(lastRss / 2 ** 20).toFixed(1),
  rss_max_mb: +(Math.max(...after.map((s) => s.rss)) / 2 ** 20).toFixed(1),
  rss_growth_pct: +(growth * 100).toFixed(2),
  rss_every_10s_mb: samples.filter((_, i) => i % 10 === 0).map((s) => +(s.rss / 2 ** 20).toFixed(0)),
  fds_baseline: baseFds,
  fds_final: lastFds,
  fds_max: Math.max(...after.map((s) => s.fds)),
  ok: false,
  problems: [] as string[],
};
if (!(growth < RSS_GROWTH_LIMIT)) summary.problems.push(`RSS grew ${summary.rss_growth_pct} % after warm-up`);
if (!(lastFds <= baseFds + FD_SLACK)) summary.problems.push(`open descriptors ${baseFds} → ${lastFds}`);
// A 504 means the machine stalled the server past the deadline before the fallback (due
// at 90 % of it) went out: tolerated up to 0.5 % on this shared 2-core machine. Anything
// else that is not a 200 is a broken promise.
const late = statuses['504'] ?? 0;
if (counts.other - late > 0 || counts.errors > 0 || late > 0.005 * counts.sent) {
  summary.problems.push(`non-200 answers ${JSON.stringify(statuses)}, ${counts.errors} transport errors`);
}
if (counts.ranked === 0) summary.problems.push('no ranked answer: the backend never came back');
summary.ok = summary.problems.length === 0;
process.stdout.write(`${JSON.stringify({ soak: summary })}\n`);
await server.stop();
await backend.kill();
process.exit(summary.ok ? 0 : 1);
