import * as ort from 'onnxruntime-node';

/** Runs a model on assembled rows; the answer is one score per row (the output's first column). */
export interface ScoreRunner {
  score(rows: Float32Array, n: number, width: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface ModelInfo {
  readonly inputName: string;
  readonly outputName: string;
  /** The input's last dimension when the model declares it as a number. */
  readonly width: number | undefined;
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

export function modelInfo(session: ort.InferenceSession, inputName?: string, outputName?: string): ModelInfo {
  const input = inputName ?? session.inputNames[0];
  const output = outputName ?? session.outputNames[0];
  if (input === undefined || !session.inputNames.includes(input)) {
    throw new Error(`the model has no input "${String(input)}" (inputs: ${session.inputNames.join(', ')})`);
  }
  if (output === undefined || !session.outputNames.includes(output)) {
    throw new Error(`the model has no output "${String(output)}" (outputs: ${session.outputNames.join(', ')})`);
  }
  const meta = session.inputMetadata.find((m) => m.name === input);
  const shape = meta?.isTensor ? meta.shape : undefined;
  const last = shape?.[shape.length - 1];
  return { inputName: input, outputName: output, width: typeof last === 'number' && last > 0 ? last : undefined };
}

/** Runs `session` on n rows and copies the first value of each output row. */
export async function scoreRows(
  session: ort.InferenceSession,
  info: ModelInfo,
  rows: Float32Array,
  n: number,
  width: number,
): Promise<Float32Array> {
  const feeds = { [info.inputName]: new ort.Tensor('float32', rows.subarray(0, n * width), [n, width]) };
  const result = await session.run(feeds, [info.outputName]);
  const out = result[info.outputName];
  if (!out || !(out.data instanceof Float32Array)) throw new Error(`output "${info.outputName}" is not a float32 tensor`);
  const data = out.data;
  const stride = n === 0 ? 1 : data.length / n;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`output "${info.outputName}" has ${data.length} values for ${n} rows`);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) scores[i] = data[i * stride] ?? Number.NaN;
  out.dispose();
  return scores;
}

/** Main mode: the session runs on the event-loop thread (≈ 0.4 ms per 400 rows for the demo MLP). */
export class MainThreadRunner implements ScoreRunner {
  readonly #session: ort.InferenceSession;
  readonly #info: ModelInfo;

  constructor(session: ort.InferenceSession, info: ModelInfo) {
    this.#session = session;
    this.#info = info;
  }

  score(rows: Float32Array, n: number, width: number): Promise<Float32Array> {
    return scoreRows(this.#session, this.#info, rows, n, width);
  }

  close(): Promise<void> {
    return this.#session.release();
  }
}
