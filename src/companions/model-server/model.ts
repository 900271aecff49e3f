import { basename, extname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createSession, declaredInputs, declaredOutputs } from '../../algorithm/onnx/session.js';
import type { DeclaredInput } from '../../algorithm/onnx/layout.js';

/** One output tensor of a run, as float32 (any other element type is converted) with its shape. */
export interface OutputTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** One input tensor of a request, in the model's element type. */
export type InputData = Float32Array | Float64Array | Int32Array | BigInt64Array;
export interface InputTensor {
  readonly data: InputData;
  readonly shape: readonly number[];
}

/** onnxruntime element types and the KServe v2 datatypes they travel as. */
const V2_TYPES: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int64: 'INT64',
  int32: 'INT32',
  bool: 'BOOL',
  float16: 'FP16',
  uint8: 'UINT8',
  int8: 'INT8',
  string: 'BYTES',
};
export const v2Type = (ortType: string): string => V2_TYPES[ortType] ?? ortType.toUpperCase();

/**
 * The served model: one InferenceSession with one intra-op thread (the server scales by
 * processes, not by threads inside one run), and its declared inputs and outputs, which
 * the tensor protocols (KServe v2, TF Serving, EAS TensorFlow) take by name, as Triton does.
 */
export class ServedModel {
  readonly name: string;
  /** Every input as the model declares it: name, element type, shape (symbolic dims as strings). */
  readonly inputs: readonly DeclaredInput[];
  /** The first input: the one a one-input request or a feature spec feeds. */
  readonly inputName: string;
  readonly outputNames: readonly string[];
  /** Every output as the model declares it. */
  readonly outputs: readonly DeclaredInput[];
  /** The first input's width (its declared dims after the first) when fixed. */
  readonly width: number | undefined;
  readonly #session: ort.InferenceSession;

  private constructor(name: string, session: ort.InferenceSession) {
    this.name = name;
    this.#session = session;
    this.inputs = declaredInputs(session);
    const first = this.inputs[0];
    if (first === undefined) throw new Error('the model has no input');
    this.inputName = first.name;
    this.outputNames = session.outputNames;
    this.outputs = declaredOutputs(session);
    const rest = first.shape.slice(1);
    this.width = rest.every((d): d is number => typeof d === 'number') ? rest.reduce((a, b) => a * b, 1) : undefined;
  }

  static async load(path: string, name?: string): Promise<ServedModel> {
    return new ServedModel(name ?? basename(path, extname(path)), await createSession(path));
  }

  input(name: string): DeclaredInput | undefined {
    return this.inputs.find((i) => i.name === name);
  }

  /** Runs the model on named inputs (every model input, no other); returns the requested outputs (all when none named). */
  async runInputs(feeds: ReadonlyMap<string, InputTensor>, outputs?: readonly string[]): Promise<Record<string, OutputTensor>> {
    const wanted = outputs && outputs.length > 0 ? outputs : this.outputNames;
    for (const o of wanted) if (!this.outputNames.includes(o)) throw new RangeError(`the model has no output "${o}"`);
    const tensors: Record<string, ort.Tensor> = {};
    for (const declared of this.inputs) {
      const feed = feeds.get(declared.name);
      if (!feed) throw new RangeError(`input "${declared.name}" is missing (the model takes ${this.inputs.map((i) => i.name).join(', ')})`);
      tensors[declared.name] = new ort.Tensor(feed.data, [...feed.shape]);
    }
    for (const name of feeds.keys())
      if (!this.input(name)) throw new RangeError(`the model has no input "${name}" (inputs: ${this.inputs.map((i) => i.name).join(', ')})`);
    const result = await this.#session.run(tensors, [...wanted]);
    const out: Record<string, OutputTensor> = {};
    for (const name of wanted) {
      const t = result[name];
      if (!t) throw new Error(`output "${name}" missing`);
      const data = t.data instanceof Float32Array ? t.data.slice() : Float32Array.from(t.data as ArrayLike<number | bigint>, Number);
      out[name] = { shape: t.dims, data };
      t.dispose();
    }
    return out;
  }

  /** Runs n rows of `width` floats on a one-input model (rows assembled by a feature spec). */
  run(rows: Float32Array, n: number, width: number, outputs?: readonly string[]): Promise<Record<string, OutputTensor>> {
    if (this.width !== undefined && width !== this.width) throw new RangeError(`input rows have ${width} values, the model takes ${this.width}`);
    return this.runInputs(new Map([[this.inputName, { data: rows.subarray(0, n * width), shape: [n, width] }]]), outputs);
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
