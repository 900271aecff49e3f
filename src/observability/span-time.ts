import type { HrTime } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';

/**
 * A `performance.now()` reading as an OpenTelemetry HrTime on one clock for every span.
 * Given a number or nothing, the SDK re-anchors each span on Date.now() separately (±1 ms
 * per span), so a child could appear to start before its parent; stage spans are stamped
 * after the fact, so every span here is stamped explicitly from the monotonic clock.
 */
export function hrTime(perfMs: number = performance.now()): HrTime {
  const ms = performance.timeOrigin + perfMs;
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))];
}
