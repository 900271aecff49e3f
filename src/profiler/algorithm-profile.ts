import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Engine } from '../engine/engine.js';
import { AlgorithmFactory } from '../algorithm/factory.js';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { Algorithm, AlgorithmKind, KindInput, RunContext } from '../algorithm/contract.js';
import { cacheRoot, catalogSignature, loadCatalog } from '../catalog/load.js';
import { createMetrics } from '../observability/metrics.js';
import { InProcessProfiler } from '../observability/inspector.js';
import { TraceEventLog } from './trace-events.js';
import { parseAlgorithmInput } from './input.js';
import { summarise } from './stats.js';
import type { RunStats } from './stats.js';

export interface ProfileOptions {
  /** The parsed config file; the whole of it is validated, only `algorithm` is built. */
  readonly config: unknown;
  readonly algorithm: string;
  /** The parsed input file (see input.ts for its shape). */
  readonly input: unknown;
  readonly iterations: number;
  readonly warmup: number;
  readonly outDir: string;
  readonly registry: AlgorithmRegistry;
  readonly logger: Logger;
}

export interface ProfileReport {
  readonly algorithm: string;
  readonly type: string;
  readonly kind: AlgorithmKind;
  /** Plain timed pass: no profiler attached. */
  readonly timing: RunStats;
  /** The same runs with the CPU profiler sampling (its overhead is the difference). */
  readonly cpuProfiled: RunStats;
  readonly files: { readonly cpuProfile: string; readonly heapProfile: string; readonly trace: string };
}

/**
 * The performance guide's profileAlgorithmCPU / profileAlgorithmMemory in Node terms:
 * builds one algorithm of a config through the algorithm factory (so it runs with the
 * same middlewares as when served), warms it up, then makes three passes of `iterations`
 * runs: timed (one trace event per run), under the CPU profiler, under the sampling
 * heap profiler.
 */
export async function profileAlgorithm(opts: ProfileOptions): Promise<ProfileReport> {
  const { registry, logger } = opts;
  const metrics = createMetrics();
  const config = new Engine({ registry, metrics, logger }).parse(opts.config);
  const conf = config.AlgoConfs.find((a) => a.Name === opts.algorithm);
  if (!conf) {
    const names = config.AlgoConfs.map((a) => a.Name).join(', ') || '(none)';
    throw new Error(`no algorithm "${opts.algorithm}" in AlgoConfs; configured: ${names}`);
  }
  const def = registry.getType(conf.Type);
  if (!def) throw new Error(`unknown algorithm type "${conf.Type}"`);
  const input = parseAlgorithmInput(def.kind, opts.input);
  const catalog = def.usesCatalog && config.CatalogConf ? await loadCatalog(config.CatalogConf, logger, { databases: config }) : undefined;
  const abort = new AbortController();
  const factory = new AlgorithmFactory({ registry, metrics, logger });
  const deps = {
    logger,
    metrics,
    catalog,
    signal: abort.signal,
    optimization: config.optimization,
    cacheDir: config.CatalogConf ? cacheRoot(config.CatalogConf) : undefined,
  };
  const pending = await factory.prepare([conf], deps, catalogSignature(config.CatalogConf), config.monitoring.enable_metrics);
  const algorithm = pending.commit().get(conf.Name, def.kind) as Algorithm<AlgorithmKind>;
  const profiler = new InProcessProfiler();
  try {
    const runOnce = (): Promise<unknown> => {
      // A generous deadline per run: remote types bound each call by the time left.
      const ctx: RunContext = { deadline: performance.now() + 60_000, signal: abort.signal, requestId: 'profile' };
      return algorithm.run(input as KindInput<AlgorithmKind>, ctx);
    };
    const trace = new TraceEventLog(`pairec profile ${conf.Name}`);
    // Every pass, warm-up included, runs through this one function and records one event
    // per run: the timed pass then runs already-optimised loop code, not code V8 is still
    // compiling (which made a first pass measure slower than the profiled ones).
    const pass = async (label: string, iterations: number): Promise<number[]> => {
      const times = new Array<number>(iterations);
      const passStart = performance.now();
      for (let i = 0; i < iterations; i++) {
        const start = performance.now();
        await runOnce();
        const end = performance.now();
        times[i] = end - start;
        trace.span(conf.Name, label, start, end, { i });
      }
      trace.span(label, 'pass', passStart, performance.now(), { iterations });
      return times;
    };

    await pass('warmup', opts.warmup);
    const timed = await pass('timed', opts.iterations);

    await profiler.startCpu();
    const cpuTimes = await pass('cpu-profile', opts.iterations);
    const cpuProfile = await profiler.stopCpu();

    await profiler.startHeap();
    await pass('heap-profile', opts.iterations);
    const heapProfile = await profiler.stopHeap();

    await mkdir(opts.outDir, { recursive: true });
    const files = {
      cpuProfile: join(opts.outDir, `${conf.Name}.cpuprofile`),
      heapProfile: join(opts.outDir, `${conf.Name}.heapprofile`),
      trace: join(opts.outDir, `${conf.Name}.trace.json`),
    };
    await Promise.all([
      writeFile(files.cpuProfile, JSON.stringify(cpuProfile)),
      writeFile(files.heapProfile, JSON.stringify(heapProfile)),
      writeFile(files.trace, JSON.stringify(trace)),
    ]);
    return { algorithm: conf.Name, type: conf.Type, kind: def.kind, timing: summarise(timed), cpuProfiled: summarise(cpuTimes), files };
  } finally {
    abort.abort();
    await profiler.close();
    await factory.close();
  }
}
