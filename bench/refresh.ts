/**
 * `npm run bench:refresh`: a file catalog refreshed under load at RW-100k. The RW-100k
 * demo catalog is written as Parquet (items and users), served by `pairec serve` with the
 * RW-100k scene and `RefreshSeconds: 1`, and driven by the open-loop generator at a fixed
 * rate. Each cycle measures a quiet window, then lands a new version of the items file
 * (written aside, renamed over: 10,000 items removed, 10,000 new ones with the highest
 * popularity, so the hot recall's list changes) and measures the window that covers its
 * load, index build and swap (done when every serving process counts the new load in
 * `pairec_catalog_refreshes_total`). Reported per window: P50/P99 from each
 * request's due time, errors, and the event-loop delay of the serving processes
 * (`--loop-delay`, 1 ms resolution, the worst process; scraped each second, as the swap
 * is watched in the same metrics: the worst second's P99 and the window's maximum).
 *
 * The default rate, 500 req/s, is about half of what this bench's 2-core machine serves
 * closed-loop with the generator on the same cores (≈ 1,100–1,300 req/s): the headroom a
 * replica is sized with. At 1000 req/s no CPU is idle, and the refresh's read and build,
 * which run at the lowest thread priority, wait for some (docs/performance.md).
 *
 * The quiet window lasts `--window` seconds; a refresh window lasts from the rename to
 * `--after` seconds past the swap (at most `--max-wait` seconds to the swap).
 *
 *   npm run bench:refresh -- [--rate 500] [--cycles 3] [--window 45] [--after 10] [--max-wait 240] [--json]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadCatalog } from '../src/catalog/load.js';
import type { Catalog } from '../src/catalog/catalog.js';
import type { CatalogConf } from '../src/config/schema.js';
import { writeParquet } from '../tools/write-parquet.js';
import { openLoop } from './e2e/open-loop.js';
import type { OpenLoopResult } from './e2e/open-loop.js';
import { freePort } from './e2e/port.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    cycles: { type: 'string', default: '3' },
    window: { type: 'string', default: '45' },
    after: { type: 'string', default: '10' },
    'max-wait': { type: 'string', default: '240' },
    json: { type: 'boolean', default: false },
  },
});
const rate = Number(values.rate);
const windowS = Number(values.window);
const afterS = Number(values.after);
const maxWaitS = Number(values['max-wait']);
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const dir = mkdtempSync(join(tmpdir(), 'pairec-bench-refresh-'));

// 1. The RW-100k demo catalog, written as the files a team would export.
const rw = JSON.parse(readFileSync('examples/rw-100k.json', 'utf8')) as Record<string, unknown> & { CatalogConf: CatalogConf };
log('loading the RW-100k demo catalog to write it as Parquet');
const demo: Catalog = await loadCatalog(rw.CatalogConf, pino({ level: 'silent' }));
const itemRow = (row: number, id: string, popularity: number): Record<string, unknown> => ({
  id,
  embedding: Array.from(demo.itemVector(row)),
  category: String(demo.itemField(row, 'category') ?? ''),
  popularity,
});
const popularity = (row: number): number => Number(demo.itemField(row, 'popularity') ?? 0);
const items = join(dir, 'items.parquet');
const users = join(dir, 'users.parquet');
writeParquet(
  users,
  demo.userIds.map((id, row) => ({ id, embedding: Array.from(demo.userVector(row)) })),
  10_000,
);

/** Version `v`: items 10,000·v … kept, and 10,000 new ones (ids `v<v>-…`) that outrank every old item's popularity. */
function version(v: number): Record<string, unknown>[] {
  const n = demo.itemIds.length;
  const out: Record<string, unknown>[] = [];
  for (let row = 0; row < n; row++) if (v === 0 || row % 10 !== v % 10) out.push(itemRow(row, demo.itemIds[row] as string, popularity(row)));
  if (v > 0) for (let k = 0; k < n / 10; k++) out.push(itemRow((k * 7) % n, `v${v}-${k}`, 2 + k / n));
  return out;
}
/** Writes version `v` aside (before its window: the generator shares this process's event loop). */
const prepare = (v: number): void => writeParquet(`${items}.v${v}`, version(v), 10_000);
/** Lands a prepared version as an export job does: one rename over the served file. */
const land = (v: number): void => renameSync(`${items}.v${v}`, items);
prepare(0);
land(0);

const config = {
  ...rw,
  LogConf: { LogLevel: 'warn' },
  CatalogConf: { Source: 'file', Items: { Path: items }, Users: { Path: users }, CacheDir: join(dir, 'cache'), RefreshSeconds: 1 },
};
const configFile = join(dir, 'config.json');
writeFileSync(configFile, JSON.stringify(config));

// 2. The server, as the RW-100k bench starts it, with the 1 ms event-loop delay gauge.
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const serverLog = join(tmpdir(), `pairec-bench-refresh-${port}.log`);
const logFd = openSync(serverLog, 'w');
const server = spawn(process.execPath, [MAIN, 'serve', '--config', configFile, '--port', String(port), '--host', '127.0.0.1', '--no-watch', '--loop-delay'], {
  stdio: ['ignore', logFd, logFd],
});
log(`server log: ${serverLog}`);
const stop = (): void => {
  if (server.exitCode === null) server.kill('SIGTERM');
};
process.on('exit', () => {
  stop();
  rmSync(dir, { recursive: true, force: true });
});
// An interrupted bench stops its server too (the exit handler runs on process.exit).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

async function ready(): Promise<void> {
  for (const end = Date.now() + 600_000; Date.now() < end;) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode})`);
    if ((await fetch(`${url}/ready`).catch(() => undefined))?.status === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('not ready');
}

interface Counts {
  readonly success: number;
  readonly failed: number;
  readonly processes: number;
}
interface Scrape {
  /** The worst serving process's event-loop delay since the last scrape (the gauge resets at each). */
  readonly loop: { p99Ms: number; maxMs: number };
  /** The catalog metrics summed over the serving processes (the cluster's /metrics aggregates them). */
  readonly counts: Counts;
}

async function scrape(): Promise<Scrape> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (q: string): number => {
    const m = new RegExp(`^pairec_eventloop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) * 1000 : NaN;
  };
  const sum = (re: RegExp): number => [...text.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
  return {
    loop: { p99Ms: read('0.99'), maxMs: read('1') },
    counts: {
      success: sum(/^pairec_catalog_refreshes_total\{result="success"\} (\S+)$/gm),
      failed: sum(/^pairec_catalog_refreshes_total\{result="failed"\} (\S+)$/gm),
      processes: sum(/^pairec_catalog_info\{[^}]*\} (\S+)$/gm),
    },
  };
}

/**
 * Scrapes once a second through a window. Every scrape resets the event-loop gauge, so
 * both windows are read the same way: the worst second's P99 and the window's maximum.
 */
class Poller {
  readonly #scrapes: Scrape[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  start(): void {
    this.#timer = setInterval(() => {
      if (this.#busy) return;
      this.#busy = true;
      void scrape()
        .then((s) => void this.#scrapes.push(s))
        .finally(() => (this.#busy = false));
    }, 1000);
  }

  latest(): Counts | undefined {
    return this.#scrapes.at(-1)?.counts;
  }

  async stop(): Promise<{ p99Ms: number; maxMs: number }> {
    clearInterval(this.#timer);
    while (this.#busy) await new Promise((r) => setTimeout(r, 10));
    this.#scrapes.push(await scrape());
    return {
      p99Ms: Math.max(...this.#scrapes.map((s) => s.loop.p99Ms)),
      maxMs: Math.max(...this.#scrapes.map((s) => s.loop.maxMs)),
    };
  }
}

/**
 * Waits until every serving process counts one more successful load than `before`: the
 * swap reached them all. A failed load ends the wait with an error. (A recommendation is
 * no signal: whether a new item reaches one user's top 20 depends on the ranking.)
 */
async function watchSwap(poller: Poller, before: Counts, since: number, until: number): Promise<number | undefined> {
  while (Date.now() < until) {
    const now = poller.latest();
    if (now && now.failed > before.failed) throw new Error(`the refresh failed (server log: ${serverLog})`);
    if (now && now.success >= before.success + before.processes) return Date.now() - since;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

interface Window {
  readonly load: OpenLoopResult;
  readonly loop: { p99Ms: number; maxMs: number };
}
const measure = async (work: (poller: Poller) => Promise<OpenLoopResult>): Promise<Window> => {
  await scrape(); // resets the event-loop gauge
  const poller = new Poller();
  poller.start();
  const load = await work(poller);
  return { load, loop: await poller.stop() };
};

const quiet: Window[] = [];
const refresh: Window[] = [];
const swapMs: number[] = [];
try {
  log(`starting pairec serve on ${url} (first start builds the IVF index)`);
  await ready();
  const opts = { rate, seconds: windowS, scene: 'rw_100k', users: demo.userIds.length };
  log('warm-up 5 s');
  await openLoop(url, { ...opts, seconds: 5 });
  for (let v = 1; v <= Number(values.cycles); v++) {
    prepare(v);
    log(`cycle ${v}: quiet window, ${rate} req/s for ${windowS} s`);
    quiet.push(await measure(() => openLoop(url, opts)));
    log(`cycle ${v}: landing version ${v}; ${rate} req/s until ${afterS} s past the swap`);
    refresh.push(
      await measure(async (poller) => {
        // The window runs until `--after` seconds past the swap: it covers the read, the
        // build and the swap whatever they take (up to `--max-wait`).
        const stop = new AbortController();
        const before = (await scrape()).counts;
        const started = Date.now();
        const load = openLoop(url, { ...opts, seconds: maxWaitS + afterS, until: stop.signal });
        land(v);
        const swapped = await watchSwap(poller, before, started, started + maxWaitS * 1000);
        if (swapped !== undefined) {
          swapMs.push(swapped);
          await new Promise((r) => setTimeout(r, afterS * 1000));
        }
        stop.abort();
        if (swapped === undefined) {
          const metrics = await (await fetch(`${url}/metrics`)).text();
          log(
            metrics
              .split('\n')
              .filter((l) => l.startsWith('pairec_catalog'))
              .join('\n'),
          );
          throw new Error(`version ${v} not served within ${maxWaitS} s (server log: ${serverLog})`);
        }
        return load;
      }),
    );
  }
} finally {
  stop();
}

interface Row {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly errors: number;
  readonly achieved: number;
  readonly loop_p99_ms: number;
  readonly loop_max_ms: number;
  readonly swap_s?: number;
}
const row = (name: string, ws: readonly Window[]): Row => ({
  p50_ms: median(ws.map((w) => w.load.p50Ms)),
  p99_ms: median(ws.map((w) => w.load.p99Ms)),
  errors: ws.reduce((s, w) => s + w.load.errors, 0),
  achieved: median(ws.map((w) => w.load.achieved)),
  loop_p99_ms: median(ws.map((w) => w.loop.p99Ms)),
  loop_max_ms: median(ws.map((w) => w.loop.maxMs)),
  ...(name === 'refresh' ? { swap_s: median(swapMs) / 1000 } : {}),
});
const each = (ws: readonly Window[]): { p99_ms: number; loop_max_ms: number }[] => ws.map((w) => ({ p99_ms: w.load.p99Ms, loop_max_ms: w.loop.maxMs }));
const result = {
  workload: 'RW-100k file catalog refresh',
  rate,
  window_s: windowS,
  cycles: quiet.length,
  quiet: row('quiet', quiet),
  refresh: row('refresh', refresh),
  windows: { quiet: each(quiet), refresh: each(refresh), swap_s: swapMs.map((ms) => ms / 1000) },
};
log(`medians of ${quiet.length} cycles at ${rate} req/s (quiet windows of ${windowS} s; refresh windows from the rename to ${afterS} s past the swap):`);
log('| window | P50 ms | P99 ms | errors | event-loop delay P99 ms (worst second) | max ms | land → served |');
log('|---|---|---|---|---|---|---|');
for (const name of ['quiet', 'refresh'] as const) {
  const r = result[name];
  log(
    `| ${name} | ${r.p50_ms.toFixed(1)} | ${r.p99_ms.toFixed(1)} | ${r.errors} | ${r.loop_p99_ms.toFixed(1)} | ${r.loop_max_ms.toFixed(1)} | ${name === 'refresh' ? `${(r.swap_s ?? 0).toFixed(1)} s` : ''} |`,
  );
}
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
