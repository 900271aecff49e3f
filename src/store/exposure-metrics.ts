import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { MemoryExposureStore } from './exposure-store.js';

export const EXPOSURE_BYTES_METRIC = 'pairec_exposure_store_bytes';
export const EXPOSURE_EVICTIONS_METRIC = 'pairec_exposure_evictions_total';
export const EXPOSURE_RELAY_LATE_METRIC = 'pairec_exposure_relay_late_total';

/**
 * The in-memory exposure store on /metrics, read at scrape time: its estimated bytes
 * and the users it evicted to stay within them. `store` is looked up per scrape (the
 * engine makes it with its first config). Once per registry.
 */
export function observeExposureStore(registry: Registry, store: () => MemoryExposureStore | undefined): void {
  if (registry.getSingleMetric(EXPOSURE_BYTES_METRIC)) return;
  new Gauge({
    name: EXPOSURE_BYTES_METRIC,
    help: 'Estimated bytes of the in-memory exposure store (bounded by ExposureConf.MaxBytes or its heap share)',
    registers: [registry],
    collect() {
      this.set(store()?.bytes ?? 0);
    },
  });
  let counted = 0;
  new Counter({
    name: EXPOSURE_EVICTIONS_METRIC,
    help: 'Users evicted from the in-memory exposure store (least recently shown first) to keep within its bounds',
    registers: [registry],
    collect() {
      const n = store()?.evictions ?? 0;
      if (n > counted) this.inc(n - counted);
      counted = n;
    },
  });
}
