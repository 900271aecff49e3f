import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export const CATALOG_REFRESH_RESULTS = ['success', 'failed'] as const;
export type CatalogRefreshResult = (typeof CATALOG_REFRESH_RESULTS)[number];

/**
 * The in-process catalog: which version serves, how many items, when it was loaded, and
 * how loads went (the first load and every refresh, by timer, SIGHUP or reload API).
 * Across a cluster the primary sums `info` (processes serving each version) and keeps
 * the oldest load time, so a process left behind by a refresh shows.
 */
export interface CatalogMetrics {
  readonly info: Gauge<'signature'>;
  readonly items: Gauge;
  readonly loadedAt: Gauge;
  readonly refreshes: Counter<'result'>;
  /** 1 while the catalog served is the last good copy of its files (theirs failed to load at start). */
  readonly servingLastGood: Gauge;
  readonly lastGoodStarts: Counter;
}

export function createCatalogMetrics(registers: Registry[]): CatalogMetrics {
  const refreshes = new Counter({
    name: 'pairec_catalog_refreshes_total',
    help: 'Catalog loads by result (success, failed): the first load and each refresh',
    labelNames: ['result'],
    registers,
  });
  for (const result of CATALOG_REFRESH_RESULTS) refreshes.labels(result).inc(0);
  return {
    info: new Gauge({
      name: 'pairec_catalog_info',
      help: 'Version (content signature) of the catalog being served (value 1)',
      labelNames: ['signature'],
      registers,
    }),
    items: new Gauge({ name: 'pairec_catalog_items', help: 'Items in the catalog being served', registers, aggregator: 'max' }),
    loadedAt: new Gauge({
      name: 'pairec_catalog_last_refresh_timestamp_seconds',
      help: 'When the catalog being served was loaded (Unix seconds)',
      registers,
      aggregator: 'min',
    }),
    refreshes,
    servingLastGood: new Gauge({
      name: 'pairec_catalog_serving_last_good',
      help: 'Whether the catalog served is the last good copy of its files, kept in CacheDir, because the current files failed to load at start (summed over processes)',
      registers,
    }),
    lastGoodStarts: new Counter({
      name: 'pairec_catalog_fallback_total',
      help: 'Starts that served the last good copy of the catalog files because the current files failed to load',
      registers,
    }),
  };
}
