import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { RunContext } from '../../src/algorithm/contract.js';
import type { BuildDeps } from '../../src/algorithm/registry.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';

export const silentLogger: Logger = pino({ level: 'silent' });

export function runContext(timeoutMs = 5000, signal?: AbortSignal): RunContext {
  return { deadline: performance.now() + timeoutMs, signal: signal ?? new AbortController().signal };
}

export function testMetrics(): EngineMetrics {
  return createMetrics(undefined, { defaultMetrics: false });
}

export function buildDeps(overrides: Partial<BuildDeps> = {}): BuildDeps {
  return {
    logger: silentLogger,
    metrics: testMetrics(),
    catalog: undefined as Catalog | undefined,
    cacheDir: undefined,
    signal: new AbortController().signal,
    ...overrides,
  };
}
