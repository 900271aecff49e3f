import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PairecError } from '../../errors.js';
import type { AlgorithmTypeDef, BuildDeps } from '../registry.js';
import { BufferPool } from './buffer-pool.js';
import { OnnxConfSchema } from './config.js';
import type { OnnxConf } from './config.js';
import { OnnxAlgorithm } from './onnx.js';
import { RunLimiter } from './run-limiter.js';
import { assembleFeeds, pooledRowWidth } from './feeds.js';
import { confPath, planInputs } from './layout.js';
import type { InputPlan } from './layout.js';
import { MainThreadRunner, createSession, declaredInputs, outputNameOf, scoreFeeds } from './session.js';
import type { ScoreRunner } from './session.js';
import { WorkerPoolRunner } from './worker-runner.js';

export { OnnxAlgorithm } from './onnx.js';
export { RunLimiter } from './run-limiter.js';
export type { OnnxConf } from './config.js';

/** dist/src/algorithm/onnx/ → the package folder, where the shipped models/ live. */
const PACKAGE_DIR = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * A relative ModelPath is looked up in the working directory first (the operator's own
 * models), then in the package folder, so the shipped `models/demo-mlp.onnx` is found
 * wherever `pairec serve` is started (its cache folder may be anywhere).
 */
export function resolveModelPath(modelPath: string, cwd = process.cwd()): string {
  if (isAbsolute(modelPath)) return modelPath;
  const local = resolve(cwd, modelPath);
  if (existsSync(local)) return local;
  const shipped = resolve(PACKAGE_DIR, modelPath);
  return existsSync(shipped) ? shipped : local;
}

/** The item features an ONNX run reads: those its inputs list, nothing else. */
export const onnxItemFeatures = (conf: Pick<OnnxConf, 'Features' | 'Inputs'>): readonly string[] => {
  const refs = conf.Inputs ? Object.values(conf.Inputs).flatMap((i) => i.Item ?? []) : (conf.Features?.Item ?? []);
  return [...new Set(refs.map((r) => r.Name))];
};

/** Rows of the build's dummy run: two, so a user input the model cannot broadcast shows. */
const PROBE_ROWS = 2;

/** MaxQueue outside an engine, where no admission limit is known (tests, tools). */
export const STANDALONE_MAX_QUEUE = 1024;

/**
 * OnnxConf.MaxQueue: the runs admitted requests can have outstanding (BuildDeps.runsInFlight)
 * unless set; a set value below that is kept and warned about, since it sheds requests
 * that admission control let in.
 */
export function maxQueueOf(name: string, conf: Pick<OnnxConf, 'MaxQueue'>, deps: Pick<BuildDeps, 'runsInFlight' | 'logger'>): number {
  const admitted = deps.runsInFlight?.(name);
  if (conf.MaxQueue === undefined) return admitted ?? STANDALONE_MAX_QUEUE;
  if (admitted !== undefined && conf.MaxQueue < admitted) {
    deps.logger.warn(
      { algorithm: name, MaxQueue: conf.MaxQueue, runsInFlight: admitted },
      `OnnxConf.MaxQueue ${conf.MaxQueue} is below the ${admitted} runs admitted requests can queue (performance.max_concurrent_requests × runs per request): a full queue answers ERR_QUEUE_FULL to requests admission let in; leave MaxQueue out to size it from admission`,
    );
  }
  return conf.MaxQueue;
}

/**
 * See OnnxConf.MaxConcurrent: one at a time on the event loop, two per worker thread, and
 * never more than `performance.worker_pool_size` (the spec's worker pool). The pool size
 * caps the mode's figure rather than replacing it: its default, 100, as the runs of a
 * main-thread model would bring back the event-loop stalls that Mode main avoids
 * (docs/decisions/0002-onnx-placement.md).
 */
export function defaultMaxConcurrent(conf: Pick<OnnxConf, 'Mode' | 'Threads'>, workerPoolSize = Number.POSITIVE_INFINITY): number {
  return Math.min(conf.Mode === 'main' ? 1 : 2 * conf.Threads, workerPoolSize);
}

/**
 * The dummy run of the declared layout: every input at its declared shape, defaults for
 * every feature. A model whose graph cannot take the layout (a shape its operators reject,
 * an output without a value per row) fails here, at build, not on every request.
 */
function probeFeeds(inputs: readonly InputPlan[]): { feeds: ReturnType<typeof assembleFeeds>['runs'][number]['feeds']; n: number } {
  const items = Array.from({ length: PROBE_ROWS }, () => ({}));
  const { runs } = assembleFeeds(inputs, { items, user: {} }, PROBE_ROWS, new Float32Array(PROBE_ROWS * pooledRowWidth(inputs)));
  return { feeds: runs[0]?.feeds ?? [], n: PROBE_ROWS };
}

async function createRunner(name: string, conf: OnnxConf, path: string): Promise<{ runner: ScoreRunner; inputs: InputPlan[] }> {
  const session = await createSession(path);
  try {
    const base = confPath(name);
    const inputs = planInputs(conf, declaredInputs(session), base);
    const outputName = outputNameOf(session, conf.OutputName, base);
    const probe = probeFeeds(inputs);
    try {
      await scoreFeeds(session, outputName, probe.feeds, probe.n);
    } catch (err) {
      const shapes = probe.feeds.map((f) => `"${f.name}" ${f.type}[${f.dims.join(', ')}]`).join(', ');
      throw new Error(
        `${base}${conf.Inputs ? '.Inputs' : ''}: the model does not run on the configured layout (${shapes}): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (conf.Mode === 'main') return { runner: new MainThreadRunner(session, outputName), inputs };
    await session.release();
    return { runner: await WorkerPoolRunner.start(conf.Threads, { modelPath: path, outputName }, probe), inputs };
  } catch (err) {
    if (conf.Mode === 'main') await session.release().catch(() => undefined);
    throw new PairecError('ERR_ALGORITHM_BUILD', `ONNX "${name}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * ONNX (`OnnxConf`): onnxruntime-node in process. Building loads the model (in every
 * worker, in workers mode) and checks the feature spec's width against the model's input,
 * so a wrong model or spec fails the build and the running config keeps serving.
 */
export const onnxType: AlgorithmTypeDef<'score', typeof OnnxConfSchema> = {
  type: 'ONNX',
  kind: 'score',
  confKey: 'OnnxConf',
  itemFeatures: onnxItemFeatures,
  readsRows: true,
  sizesQueue: true,
  sizesPool: true,
  schema: OnnxConfSchema,
  localFiles: (conf) => [{ key: 'ModelPath', path: resolveModelPath(conf.ModelPath) }],
  create: async (name, conf, deps) => {
    const path = resolveModelPath(conf.ModelPath);
    if (!existsSync(path)) throw new PairecError('ERR_ALGORITHM_BUILD', `ONNX "${name}": model file ${path} not found`);
    const { runner, inputs } = await createRunner(name, conf, path);
    const counter = deps.metrics.invalidValues.labels(name);
    const maxConcurrent = conf.MaxConcurrent ?? defaultMaxConcurrent(conf, deps.workerPoolSize);
    const { pools } = deps.metrics;
    const maxQueue = maxQueueOf(name, conf, deps);
    const limiter = new RunLimiter(maxConcurrent, maxQueue, name, (reason) => pools.rejections.labels(name, 'onnx_workers', reason).inc());
    deps.logger.info(
      {
        algorithm: name,
        model: path,
        inputs: inputs.map((i) => `${i.name}:${i.type}[${i.perRow ? 'n' : '1'}, ${i.dims.join(', ')}]`),
        mode: conf.Mode,
        threads: conf.Mode === 'workers' ? conf.Threads : 0,
        maxConcurrent,
        maxQueue,
      },
      'onnx model loaded',
    );
    return new OnnxAlgorithm(name, {
      inputs,
      runner,
      limiter,
      buffers: new BufferPool(maxConcurrent),
      invalid: (k) => counter.inc(k),
      unregister: pools.add({ algorithmName: name, pool: 'onnx_workers', queued: () => limiter.queued, active: () => limiter.running }),
    });
  },
};
