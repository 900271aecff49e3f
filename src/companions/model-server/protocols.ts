import type { FeatureMap, ScoreInput } from '../../algorithm/contract.js';
import { assembleFeeds, pooledRowWidth } from '../../algorithm/onnx/feeds.js';
import type { InputPlan } from '../../algorithm/onnx/layout.js';
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

/**
 * Scores feature maps: the model's inputs assembled by the spec's layout, exactly as the
 * in-process ONNX type does (algorithm/onnx/feeds.ts). Row-aligned users (PMML) with a
 * broadcast user input are run one user's stretch at a time, and the outputs joined.
 */
export async function scoreFeatures(
  model: ServedModel,
  plans: readonly InputPlan[] | undefined,
  user: FeatureMap | readonly FeatureMap[] | undefined,
  items: readonly FeatureMap[],
): Promise<Record<string, OutputTensor>> {
  // Feature maps become inputs only through a spec: without one, only the tensor protocols serve.
  if (!plans)
    throw new ProtocolError(
      400,
      `EasyRec and PMML requests need a feature spec, and "${model.name}" is served without one (start it with --features); send tensors by input name over KServe v2, TF Serving or EAS TensorFlow`,
    );
  if (items.length > MAX_ROWS) throw new ProtocolError(400, `at most ${MAX_ROWS} items per request`);
  const n = items.length;
  if (n === 0) return emptyOutputs(model);
  const input: ScoreInput = Array.isArray(user) ? { users: user as readonly FeatureMap[], items } : { user: user as FeatureMap | undefined, items };
  const { runs } = assembleFeeds(plans, input, n, new Float32Array(n * pooledRowWidth(plans)));
  const parts: Record<string, OutputTensor>[] = [];
  for (const run of runs) parts.push(await runFeeds(model, new Map(run.feeds.map((f) => [f.name, { data: f.data, shape: f.dims }]))));
  return parts.length === 1 ? (parts[0] as Record<string, OutputTensor>) : joinRows(parts);
}

/** Outputs of consecutive runs joined along their first dimension. */
function joinRows(parts: readonly Record<string, OutputTensor>[]): Record<string, OutputTensor> {
  const out: Record<string, OutputTensor> = {};
  for (const name of Object.keys(parts[0] ?? {})) {
    const tensors = parts.map((p) => p[name] as OutputTensor);
    const data = new Float32Array(tensors.reduce((k, t) => k + t.data.length, 0));
    let at = 0;
    for (const t of tensors) {
      data.set(t.data, at);
      at += t.data.length;
    }
    const [, ...rest] = tensors[0]?.shape ?? [];
    out[name] = { shape: [tensors.reduce((k, t) => k + (t.shape[0] ?? 0), 0), ...rest], data };
  }
  return out;
}

export async function runRows(
  model: ServedModel,
  rows: Float32Array,
  n: number,
  width: number,
  outputs?: readonly string[],
): Promise<Record<string, OutputTensor>> {
  if (n === 0) return emptyOutputs(model, outputs);
  try {
    return await model.run(rows, n, width, outputs);
  } catch (err) {
    throw new ProtocolError(400, err instanceof Error ? err.message : String(err));
  }
}

/** Runs named inputs (toFeeds); a run the model refuses (a shape its operators reject) is the client's 400. */
export async function runFeeds(
  model: ServedModel,
  feeds: ReadonlyMap<string, InputTensor>,
  outputs?: readonly string[],
): Promise<Record<string, OutputTensor>> {
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
