import { getHeapStatistics } from 'node:v8';
import type { Config } from '../config/schema.js';
import { exposureStoreBytes } from '../sizing/sizing.js';
import type { MemoryExposureOptions } from './exposure-store.js';

/**
 * The in-memory exposure store's bounds from `ExposureConf`: its byte bound is
 * `MaxBytes`, or a share of `heapLimitBytes` (this process's V8 heap limit by default).
 */
export function exposureBounds(conf: Config['ExposureConf'], heapLimitBytes = getHeapStatistics().heap_size_limit): MemoryExposureOptions {
  return { maxItemsPerUser: conf.MaxItemsPerUser, maxUsers: conf.MaxUsers, maxBytes: exposureStoreBytes(heapLimitBytes, conf.MaxBytes) };
}
