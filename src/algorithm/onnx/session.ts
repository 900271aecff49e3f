import * as ort from 'onnxruntime-node';
import type { Feed } from './feeds.js';
import type { DeclaredInput } from './layout.js';

/**
 * Runs a model on assembled input tensors (ModelPlan's feeds); the answer is one score per
 * row, the output's first column.
 */
export interface ScoreRunner {
  score(feeds: readonly Feed[], n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** One intra-op thread: the engine scales by processes, requests or workers, not inside one run. */
export function createSession(modelPath: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

const declared = (meta: readonly ort.InferenceSession.ValueMetadata[]): DeclaredInput[] =>
  meta.map((m) =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : String(d))) }
      : { name: m.name, type: 'non-tensor', shape: [] },
  );

/** The model's inputs as declared (a non-tensor input has type "non-tensor"; a symbolic dimension is a string). */
export const declaredInputs = (session: ort.InferenceSession): DeclaredInput[] => declared(session.inputMetadata);
/** The model's outputs, likewise. */
export const declaredOutputs = (session: ort.InferenceSession): DeclaredInput[] => declared(session.outputMetadata);

/** OutputName, or the model's first output. */
export function outputNameOf(session: ort.InferenceSession, outputName?: string, base = 'OnnxConf'): string {
  const output = outputName ?? session.outputNames[0];
  if (output === undefined || !session.outputNames.includes(output)) {
    throw new Error(`${base}.OutputName: the model has no output "${String(output)}" (outputs: ${session.outputNames.join(', ')})`);
  }
  return output;
}

/** Runs `session` on the feeds of n rows and copies the first value of each output row. */
export async function scoreFeeds(session: ort.InferenceSession, outputName: string, feeds: readonly Feed[], n: number): Promise<Float32Array> {
  const tensors: Record<string, ort.Tensor> = {};
  for (const f of feeds) tensors[f.name] = new ort.Tensor(f.type, f.data, [...f.dims]);
  const result = await session.run(tensors, [outputName]);
  const out = result[outputName];
  if (!out) throw new Error(`output "${outputName}" missing`);
  const data = out.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) throw new Error(`output "${outputName}" is ${out.type}, not a float tensor`);
  const stride = n === 0 ? 1 : data.length / n;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`output "${outputName}" has ${data.length} values for ${n} rows`);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) scores[i] = data[i * stride] ?? Number.NaN;
  out.dispose();
  return scores;
}

/** Main mode: the session runs on the event-loop thread (≈ 0.4 ms per 400 rows for the demo MLP). */
export class MainThreadRunner implements ScoreRunner {
  readonly #session: ort.InferenceSession;
  readonly #outputName: string;

  constructor(session: ort.InferenceSession, outputName: string) {
    this.#session = session;
    this.#outputName = outputName;
  }

  score(feeds: readonly Feed[], n: number): Promise<Float32Array> {
    return scoreFeeds(this.#session, this.#outputName, feeds, n);
  }

  close(): Promise<void> {
    return this.#session.release();
  }
}
