import type { AlgoResponse } from '../algorithm/contract.js';
import { decodeMessage, easTypes, encodeMessage } from './protos.js';

/**
 * Dense float32 input rows and the wire formats that carry them: KServe's Open Inference
 * Protocol v2 (JSON), TF Serving's REST predict API (JSON) and EAS' TensorFlow processor
 * (PredictRequest protobuf). Float32 values are written as the shortest decimal of their
 * double widening, so the server reads back the exact float32.
 */
export interface Rows {
  readonly data: Float32Array;
  readonly count: number;
  readonly width: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function nestedRows(rows: Rows): number[][] {
  const out = new Array<number[]>(rows.count);
  for (let i = 0; i < rows.count; i++) out[i] = Array.from(rows.data.subarray(i * rows.width, (i + 1) * rows.width));
  return out;
}

/** Flattens nested arrays of numbers (the protocol allows either form); throws on anything else. */
export function flatNumbers(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) flatNumbers(x, out);
  else throw new Error(`expected numbers, got ${v === null ? 'null' : typeof v}`);
  return out;
}

/** One score per row: a [N] or [N,1] tensor; [N,k] gives the first column. */
export function firstColumn(values: ArrayLike<number>, count: number): AlgoResponse[] {
  return perRow(values, count, 'output');
}

function perRow(values: ArrayLike<number>, count: number, what: string): AlgoResponse[] {
  // Fewer values than rows (an empty `predictions`) would divide evenly into k = 0.
  if (count === 0 || values.length < count || values.length % count !== 0) throw new Error(`${what} has ${values.length} values for ${count} rows`);
  const k = values.length / count;
  const out = new Array<AlgoResponse>(count);
  for (let i = 0; i < count; i++) out[i] = { score: values[i * k] as number };
  return out;
}

// ---- KServe v2 (Open Inference Protocol) ----

export function encodeV2Request(rows: Rows, inputName: string, outputName: string | undefined): string {
  return JSON.stringify({
    inputs: [{ name: inputName, shape: [rows.count, rows.width], datatype: 'FP32', data: Array.from(rows.data.subarray(0, rows.count * rows.width)) }],
    ...(outputName ? { outputs: [{ name: outputName }] } : {}),
  });
}

export function decodeV2Response(body: Buffer, count: number, outputName: string | undefined): AlgoResponse[] {
  const msg: unknown = JSON.parse(body.toString('utf8'));
  if (!isObject(msg) || !Array.isArray(msg.outputs)) throw new Error('reply has no "outputs" array');
  const outputs = msg.outputs as unknown[];
  const out = outputName ? outputs.find((o) => isObject(o) && o.name === outputName) : outputs[0];
  if (!isObject(out)) throw new Error(`reply has no output ${outputName ?? ''}`.trim());
  return perRow(flatNumbers(out.data), count, `output "${String(out.name)}"`);
}

// ---- TF Serving REST ----

export function encodeTfRestRequest(rows: Rows, inputName: string, signatureName: string): string {
  return JSON.stringify({
    ...(signatureName ? { signature_name: signatureName } : {}),
    inputs: { [inputName]: nestedRows(rows) },
  });
}

/** Columnar replies give `outputs` (one tensor, or a map when several); row replies give `predictions`. */
export function decodeTfRestResponse(body: Buffer, count: number, outputName: string | undefined): AlgoResponse[] {
  const msg: unknown = JSON.parse(body.toString('utf8'));
  if (!isObject(msg)) throw new Error('reply is not a JSON object');
  if (typeof msg.error === 'string') throw new Error(`backend error: ${msg.error}`);
  let tensor: unknown = msg.outputs ?? msg.predictions;
  if (Array.isArray(tensor) && isObject(tensor[0])) {
    // Row format with several outputs: one object per row.
    const name = outputName ?? Object.keys(tensor[0])[0] ?? '';
    tensor = tensor.map((r: unknown) => (isObject(r) ? r[name] : undefined));
  } else if (isObject(tensor)) {
    const name = outputName ?? Object.keys(tensor)[0];
    tensor = name === undefined ? undefined : tensor[name];
  }
  if (tensor === undefined) throw new Error('reply has neither "outputs" nor "predictions"');
  return perRow(flatNumbers(tensor), count, 'output');
}

// ---- EAS TensorFlow processor ----

interface ArrayProtoView {
  dtype?: string;
  float_val?: number[];
  double_val?: number[];
}

export function encodeEasTfRequest(rows: Rows, inputName: string, signatureName: string, outputs: readonly string[]): Uint8Array {
  return encodeMessage(easTypes().PredictRequest, {
    signature_name: signatureName,
    inputs: {
      [inputName]: { dtype: 'DT_FLOAT', array_shape: { dim: [rows.count, rows.width] }, float_val: Array.from(rows.data.subarray(0, rows.count * rows.width)) },
    },
    output_filter: [...outputs],
  });
}

export function decodeEasTfResponse(body: Buffer, count: number, outputName: string | undefined): AlgoResponse[] {
  const msg = decodeMessage(easTypes().PredictResponse, body) as { outputs: Record<string, ArrayProtoView> };
  const name = outputName ?? Object.keys(msg.outputs)[0];
  const arr = name === undefined ? undefined : msg.outputs[name];
  if (!arr) throw new Error(`reply has no output ${name ?? ''}`.trim());
  const values = arr.float_val && arr.float_val.length > 0 ? arr.float_val : (arr.double_val ?? []);
  return perRow(values, count, `output "${name ?? ''}"`);
}

export function encodeEasTfResponse(outputs: Record<string, { shape: number[]; values: Float32Array }>): Uint8Array {
  const o: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(outputs)) o[k] = { dtype: 'DT_FLOAT', array_shape: { dim: t.shape }, float_val: Array.from(t.values) };
  return encodeMessage(easTypes().PredictResponse, { outputs: o });
}

export function decodeEasTfRequest(body: Uint8Array): { inputs: Record<string, { shape: number[]; values: number[] }>; outputFilter: string[] } {
  const msg = decodeMessage(easTypes().PredictRequest, body) as {
    inputs: Record<string, ArrayProtoView & { array_shape?: { dim?: number[] } }>;
    output_filter: string[];
  };
  const inputs: Record<string, { shape: number[]; values: number[] }> = {};
  for (const [k, a] of Object.entries(msg.inputs)) {
    inputs[k] = { shape: a.array_shape?.dim ?? [], values: a.float_val && a.float_val.length > 0 ? a.float_val : (a.double_val ?? []) };
  }
  return { inputs, outputFilter: msg.output_filter };
}
