import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { demoCatalogData, generateDemo } from '../../src/catalog/demo.js';
import { ServerProcess } from './server-process.js';

/**
 * A live `pairec serve` whose rank stage calls one remote KSERVE backend at `url`
 * (a stub backend or a fault proxy in front of one), with popular-items recall and a
 * scene fallback list: the set-up of the fault tests and the soak.
 * Scenes: `default_scene` has a FallbackConfig, `no_fallback` has none.
 */
export interface FaultServerOptions {
  readonly requestTimeoutMs?: number;
  /** KServeConf overrides (Timeout, RetryTimes …). */
  readonly kserve?: Record<string, unknown>;
  /** `optimization` block overrides (breaker, budget, bulkhead …). */
  readonly optimization?: Record<string, unknown>;
}

const DEMO = { Items: 500, Users: 50, Dim: 8, Clusters: 5, Categories: 4, Seed: 3 } as const;

/**
 * The ids the fallback list must serve for a page of `size`: the demo catalog's most
 * popular items, worked out here from the raw demo data rather than by the engine.
 */
export function expectedFallbackIds(size: number): string[] {
  const demo = generateDemo({ items: DEMO.Items, users: DEMO.Users, dim: DEMO.Dim, clusters: DEMO.Clusters, categories: DEMO.Categories, seed: DEMO.Seed });
  const data = demoCatalogData(demo);
  const pop = (row: number): number => demo.popularity[row] ?? 0;
  return data.itemIds
    .map((_, row) => row)
    .sort((a, b) => pop(b) - pop(a))
    .slice(0, size)
    .map((row) => data.itemIds[row] ?? '');
}

export function faultConfig(url: string, opts: FaultServerOptions = {}): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-faults-'));
  const scene = (fallback: boolean): Record<string, unknown> => ({
    default: { RecallNames: ['hot'], ...(fallback ? { FallbackConfig: { Size: 50 } } : {}) },
  });
  return {
    CatalogConf: { Source: 'demo', Demo: DEMO, CacheDir: join(dir, 'cache') },
    AlgoConfs: [
      {
        Name: 'ranker',
        Type: 'KSERVE',
        KServeConf: { Url: url, ModelName: 'm', Features: { Item: [{ Name: 'embedding', Dim: 8 }] }, Timeout: 1000, RetryTimes: 3, ...opts.kserve },
      },
    ],
    RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
    SceneConfs: { default_scene: scene(true), no_fallback: scene(false) },
    RankConf: { default_scene: { RankAlgoList: ['ranker'] }, no_fallback: { RankAlgoList: ['ranker'] } },
    performance: { request_timeout_ms: opts.requestTimeoutMs ?? 200 },
    ...(opts.optimization ? { optimization: opts.optimization } : {}),
  };
}

export async function startFaultServer(url: string, opts: FaultServerOptions = {}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-faults-conf-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(faultConfig(url, opts)));
  const server = await ServerProcess.start(path);
  await server.waitReady();
  return server;
}

/**
 * Warms a fresh server up (JIT, connection pools) against a healthy backend: its first
 * few hundred requests are several times slower than the rest on this machine.
 */
export async function warmUp(base: string, count = 300): Promise<void> {
  for (const scene of ['default_scene', 'no_fallback']) await offerLoad(base, { rate: 200, count, scene });
}

export interface Answer {
  readonly status: number;
  readonly ms: number;
  /** Items served from the fallback list. */
  readonly fallback: boolean;
  /** The page's item ids and retrieve ids, in order (empty for an error). */
  readonly items: readonly { readonly item_id: string; readonly retrieve_id: string }[];
}

function pageItems(status: number, text: string): Answer['items'] {
  if (status !== 200) return [];
  try {
    const body = JSON.parse(text) as { items?: { item_id: string; retrieve_id: string }[] };
    return (body.items ?? []).map((i) => ({ item_id: i.item_id, retrieve_id: i.retrieve_id }));
  } catch {
    return [];
  }
}

/**
 * Open-loop load: `rate` requests per second for `durationMs` (or `count` requests),
 * each timed from send to the last byte of the reply, on a pool of keep-alive connections.
 */
export async function offerLoad(base: string, opts: { rate: number; count: number; scene?: string; connections?: number }): Promise<Answer[]> {
  const pool = new Pool(base, { connections: opts.connections ?? 64, pipelining: 1 });
  const body = (i: number): string => JSON.stringify({ uid: String(1 + (i % 50)), size: 10, scene_id: opts.scene ?? 'default_scene' });
  const answers: Promise<Answer>[] = [];
  const one = async (i: number): Promise<Answer> => {
    const t0 = performance.now();
    try {
      const res = await pool.request({ path: '/api/recommend', method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) });
      const text = await res.body.text();
      const ms = performance.now() - t0;
      return { status: res.statusCode, ms, fallback: text.includes('"retrieve_id":"fallback"'), items: pageItems(res.statusCode, text) };
    } catch {
      return { status: 0, ms: performance.now() - t0, fallback: false, items: [] };
    }
  };
  const start = performance.now();
  let sent = 0;
  // Send on a 1 ms tick whatever is due, so the rate holds even when a tick is late.
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(opts.count, Math.floor(((performance.now() - start) * opts.rate) / 1000) + 1);
      while (sent < due) answers.push(one(sent++));
      if (sent >= opts.count) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const out = await Promise.all(answers);
  await pool.close();
  return out;
}

/** The value of a counter or gauge series on /metrics, 0 when absent. */
export async function metricValue(base: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
