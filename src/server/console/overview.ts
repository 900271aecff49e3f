import type { EngineSnapshot } from '../../engine/engine.js';
import type { ServerState } from '../state.js';
import { maskSecrets } from './mask.js';
import { parseSamples } from './metrics-text.js';
import type { Sample } from './metrics-text.js';
import { RECOMMEND_ROUTE } from '../routes/paths.js';

export interface AlgorithmHealth {
  readonly name: string;
  readonly type: string;
  /** pairec_backend_circuit_state: closed, half_open, open; absent for in-process algorithms. */
  readonly breaker?: 'closed' | 'half_open' | 'open';
  readonly requests: number;
  readonly errors: number;
  /** Pool work in progress and waiting (pairec_pool_active, pairec_pool_queued), summed over its pools. */
  readonly pool_active?: number;
  readonly pool_queued?: number;
}

export interface ConsoleOverview {
  readonly pid: number;
  readonly uptime_s: number;
  readonly loaded: boolean;
  readonly signature?: string;
  readonly last_reload?: ServerState['lastReload'];
  readonly reloads: Readonly<Record<string, number>>;
  readonly config?: unknown;
  readonly scenes: readonly string[];
  readonly algorithms: readonly AlgorithmHealth[];
  readonly catalog?: { readonly items?: number; readonly loaded_at?: string; readonly signature?: string };
}

/** Per scene, the recommend route's request-duration histogram as the charts read it. */
export interface SceneStats {
  readonly count: number;
  readonly errors_5xx: number;
  readonly errors_4xx: number;
  /** Cumulative counts per bound of `le` (seconds; -1 stands for +Inf), every status. */
  readonly buckets: readonly number[];
}

export interface ConsoleStats {
  /** Unix ms when read: the client rates deltas between two reads. */
  readonly at: number;
  readonly metrics: boolean;
  readonly le: readonly number[];
  readonly scenes: Readonly<Record<string, SceneStats>>;
}

const OVERVIEW_METRICS = new Set([
  'pairec_backend_circuit_state',
  'pairec_algorithm_requests_total',
  'pairec_pool_active',
  'pairec_pool_queued',
  'pairec_config_reloads_total',
  'pairec_catalog_items',
  'pairec_catalog_last_refresh_timestamp_seconds',
]);
const BREAKER = ['closed', 'half_open', 'open'] as const;

const sumBy = (samples: readonly Sample[], name: string, algo: string): number | undefined => {
  let total: number | undefined;
  for (const s of samples) if (s.name === name && s.labels['algorithm_name'] === algo) total = (total ?? 0) + s.value;
  return total;
};

/** What "Config and health" shows: the serving config (secrets masked) and what the metrics say of it. */
export function consoleOverview(snap: EngineSnapshot | undefined, state: ServerState, metricsText: string): ConsoleOverview {
  const samples = parseSamples(metricsText, OVERVIEW_METRICS);
  const reloads: Record<string, number> = {};
  for (const s of samples) if (s.name === 'pairec_config_reloads_total') reloads[s.labels['result'] ?? ''] = s.value;
  const one = (name: string): number | undefined => samples.find((s) => s.name === name)?.value;
  const algorithms = (snap?.config.AlgoConfs ?? []).map((a): AlgorithmHealth => {
    const breaker = sumBy(samples, 'pairec_backend_circuit_state', a.Name);
    let requests = 0;
    let errors = 0;
    for (const s of samples) {
      if (s.name !== 'pairec_algorithm_requests_total' || s.labels['algorithm_name'] !== a.Name) continue;
      requests += s.value;
      if (s.labels['status'] !== 'success') errors += s.value;
    }
    const active = sumBy(samples, 'pairec_pool_active', a.Name);
    const queued = sumBy(samples, 'pairec_pool_queued', a.Name);
    return {
      name: a.Name,
      type: a.Type,
      ...(breaker === undefined ? {} : { breaker: BREAKER[Math.min(2, Math.max(0, Math.round(breaker)))] ?? 'open' }),
      requests,
      errors,
      ...(active === undefined ? {} : { pool_active: active }),
      ...(queued === undefined ? {} : { pool_queued: queued }),
    };
  });
  const items = one('pairec_catalog_items');
  const loadedAt = one('pairec_catalog_last_refresh_timestamp_seconds');
  return {
    pid: process.pid,
    uptime_s: Math.round(process.uptime()),
    loaded: snap !== undefined,
    ...(snap ? { signature: snap.signature, config: maskSecrets(snap.config), scenes: [...snap.scenes.keys()] } : { scenes: [] }),
    ...(state.lastReload ? { last_reload: state.lastReload } : {}),
    reloads,
    algorithms,
    ...(snap?.catalog || items !== undefined
      ? {
          catalog: {
            ...(items === undefined ? (snap?.catalog ? { items: snap.catalog.itemIds.length } : {}) : { items }),
            ...(loadedAt ? { loaded_at: new Date(loadedAt * 1000).toISOString() } : {}),
            ...(snap?.catalog ? { signature: snap.catalog.signature } : {}),
          },
        }
      : {}),
  };
}

const DURATION_BUCKET = 'pairec_request_duration_seconds_bucket';

/** The recommend route's per-scene request-duration histogram: the charts' only input. */
export function consoleStats(metricsText: string | undefined, now: number): ConsoleStats {
  if (metricsText === undefined) return { at: now, metrics: false, le: [], scenes: {} };
  const byScene = new Map<string, { count: number; e5: number; e4: number; buckets: Map<number, number> }>();
  for (const s of parseSamples(metricsText, new Set([DURATION_BUCKET]))) {
    if (s.labels['route'] !== RECOMMEND_ROUTE) continue;
    const scene = s.labels['scene'] ?? 'none';
    const le = s.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels['le']);
    let e = byScene.get(scene);
    if (!e) byScene.set(scene, (e = { count: 0, e5: 0, e4: 0, buckets: new Map() }));
    e.buckets.set(le, (e.buckets.get(le) ?? 0) + s.value);
    if (le === Number.POSITIVE_INFINITY) {
      e.count += s.value;
      if (s.labels['code'] === '5xx') e.e5 += s.value;
      if (s.labels['code'] === '4xx') e.e4 += s.value;
    }
  }
  const bounds = [...new Set([...byScene.values()].flatMap((e) => [...e.buckets.keys()]))].sort((a, b) => a - b);
  const scenes: Record<string, SceneStats> = {};
  for (const [scene, e] of byScene) {
    scenes[scene] = { count: e.count, errors_5xx: e.e5, errors_4xx: e.e4, buckets: bounds.map((b) => e.buckets.get(b) ?? 0) };
  }
  // JSON has no Infinity: the last bound (+Inf) is sent as -1.
  return { at: now, metrics: true, le: bounds.map((b) => (Number.isFinite(b) ? b : -1)), scenes };
}
