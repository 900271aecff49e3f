import { basename, extname } from 'node:path';
import * as ort from 'onnxruntime-node';

/** One output tensor of a run, as float32 with its shape. */
export interface OutputTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * The served model: one InferenceSession with one intra-op thread (the server scales by
 * processes, not by threads inside one run), and what the protocols need to know of it.
 */
export class ServedModel {
  readonly name: string;
  readonly inputName: string;
  readonly outputNames: readonly string[];
  /** The input's last dimension when the model declares it. */
  readonly width: number | undefined;
  readonly #session: ort.InferenceSession;

  private constructor(name: string, session: ort.InferenceSession) {
    this.name = name;
    this.#session = session;
    const input = session.inputNames[0];
    if (input === undefined) throw new Error('the model has no input');
    this.inputName = input;
    this.outputNames = session.outputNames;
    const meta = session.inputMetadata.find((m) => m.name === input);
    const last = meta?.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
    this.width = typeof last === 'number' && last > 0 ? last : undefined;
  }

  static async load(path: string, name?: string): Promise<ServedModel> {
    const session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new ServedModel(name ?? basename(path, extname(path)), session);
  }

  /** Runs n rows of `width` floats; returns the requested outputs (all when none named). */
  async run(rows: Float32Array, n: number, width: number, outputs?: readonly string[]): Promise<Record<string, OutputTensor>> {
    const wanted = outputs && outputs.length > 0 ? outputs : this.outputNames;
    for (const o of wanted) if (!this.outputNames.includes(o)) throw new RangeError(`the model has no output "${o}"`);
    if (this.width !== undefined && width !== this.width) throw new RangeError(`input rows have ${width} values, the model takes ${this.width}`);
    const feeds = { [this.inputName]: new ort.Tensor('float32', rows.subarray(0, n * width), [n, width]) };
    const result = await this.#session.run(feeds, [...wanted]);
    const out: Record<string, OutputTensor> = {};
    for (const name of wanted) {
      const t = result[name];
      if (!t) throw new Error(`output "${name}" missing`);
      const data = t.data instanceof Float32Array ? t.data.slice() : Float32Array.from(t.data as ArrayLike<number>);
      out[name] = { shape: t.dims, data };
      t.dispose();
    }
    return out;
  }

  /** The first value of each row of an output: the row's score. */
  static firstColumn(t: OutputTensor, n: number): Float32Array {
    const stride = n === 0 ? 1 : t.data.length / n;
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) scores[i] = t.data[i * stride] ?? Number.NaN;
    return scores;
  }

  close(): Promise<void> {
    return this.#session.release();
  }
}
