import type { FeatureMap } from '../../algorithm/contract.js';
import { assembleRows, specWidth } from '../../model/feature-spec.js';
import type { FeatureSpec } from '../../model/feature-spec.js';
import { ServedModel } from './model.js';
import type { InputTensor, OutputTensor } from './model.js';

/** A client error: answered with its status and message in the protocol's error shape. */
export class ProtocolError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.statusCode = statusCode;
  }
}

/** Rows one request may score: bounds the memory a single request can claim. */
export const MAX_ROWS = 100_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseJson(body: Buffer): Record<string, unknown> {
  let msg: unknown;
  try {
    msg = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProtocolError(400, 'request body is not valid JSON');
  }
  if (!isObject(msg)) throw new ProtocolError(400, 'request body must be a JSON object');
  return msg;
}

/** Scores feature maps: rows assembled by the spec, exactly as the in-process ONNX type does. */
export async function scoreFeatures(
  model: ServedModel,
  spec: FeatureSpec | undefined,
  user: FeatureMap | readonly FeatureMap[] | undefined,
  items: readonly FeatureMap[],
): Promise<Record<string, OutputTensor>> {
  // Feature maps become rows only through a spec: without one, only the tensor protocols serve.
  if (!spec) throw new ProtocolError(400, `EasyRec and PMML requests need a feature spec, and "${model.name}" is served without one (start it with --features or --user/--item on a one-input model); send tensors by input name over KServe v2, TF Serving or EAS TensorFlow`);
  if (items.length > MAX_ROWS) throw new ProtocolError(400, `at most ${MAX_ROWS} items per request`);
  const width = specWidth(spec);
  const rows = new Float32Array(items.length * width);
  assembleRows(spec, user, items, rows);
  return runRows(model, rows, items.length, width);
}

export async function runRows(model: ServedModel, rows: Float32Array, n: number, width: number, outputs?: readonly string[]): Promise<Record<string, OutputTensor>> {
  if (n === 0) return emptyOutputs(model, outputs);
  try {
    return await model.run(rows, n, width, outputs);
  } catch (err) {
    throw new ProtocolError(400, err instanceof Error ? err.message : String(err));
  }
}

/** Runs named inputs (toFeeds); a run the model refuses (a shape its operators reject) is the client's 400. */
export async function runFeeds(model: ServedModel, feeds: ReadonlyMap<string, InputTensor>, outputs?: readonly string[]): Promise<Record<string, OutputTensor>> {
  if ([...feeds.values()].some((f) => f.data.length === 0)) return emptyOutputs(model, outputs);
  try {
    return await model.runInputs(feeds, outputs);
  } catch (err) {
    throw new ProtocolError(400, err instanceof Error ? err.message : String(err));
  }
}

function emptyOutputs(model: ServedModel, outputs?: readonly string[]): Record<string, OutputTensor> {
  const empty: Record<string, OutputTensor> = {};
  for (const o of outputs && outputs.length > 0 ? outputs : model.outputNames) {
    if (!model.outputNames.includes(o)) throw new ProtocolError(400, `the model has no output "${o}"`);
    empty[o] = { shape: [0, 1], data: new Float32Array(0) };
  }
  return empty;
}

/** An output as nested rows ([[s], [s], ...] for [N, 1]), the shape TF Serving answers in. */
export function nested(t: OutputTensor): unknown {
  const [n = 0, ...rest] = t.shape;
  const k = rest.reduce((a, b) => a * b, 1);
  if (rest.length === 0) return Array.from(t.data);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(Array.from(t.data.subarray(i * k, (i + 1) * k)));
  return out;
}

export { ServedModel };
