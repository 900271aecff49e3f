import type { ServedModel, InputData, InputTensor } from './model.js';
import { ProtocolError, MAX_ROWS } from './protocols.js';

/** Element types the server feeds, and how a request's numbers become them. */
const MAKERS: Record<string, (n: number) => InputData> = {
  float32: (n) => new Float32Array(n),
  float64: (n) => new Float64Array(n),
  int32: (n) => new Int32Array(n),
  int64: (n) => new BigInt64Array(n),
};

/** One named input as a request carries it: numbers (JSON, protobuf) and a shape, given or inferred. */
export interface RequestInput {
  readonly name: string;
  readonly values: ArrayLike<number | bigint>;
  readonly shape: readonly number[];
}

/** Shape of nested JSON arrays ([[1,2],[3,4]] → [2, 2]); a number is []. */
export function nestedShape(v: unknown): number[] {
  const shape: number[] = [];
  let at: unknown = v;
  while (Array.isArray(at)) {
    shape.push(at.length);
    at = at[0];
  }
  return shape;
}

/**
 * A request's input as the model's tensor: the name must be a model input, the shape fit
 * the declared one (rank, and every fixed dimension), the values match the shape, and
 * integer inputs get integers. Every refusal is a 400 naming the input.
 */
export function toTensor(model: ServedModel, input: RequestInput): InputTensor {
  const declared = model.input(input.name);
  const names = model.inputs.map((i) => i.name).join(', ');
  if (!declared) throw new ProtocolError(400, `the model has no input "${input.name}" (inputs: ${names})`);
  const make = MAKERS[declared.type];
  if (!make) throw new ProtocolError(400, `input "${input.name}" takes ${declared.type}, which this server does not feed (float32, float64, int32, int64)`);
  const { shape, values } = input;
  const size = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ProtocolError(400, `input "${input.name}": shape [${shape.join(', ')}] is not non-negative integers`);
  if (size !== values.length) throw new ProtocolError(400, `input "${input.name}" has ${values.length} values, which is not shape [${shape.join(', ')}]`);
  if ((shape[0] ?? 0) > MAX_ROWS) throw new ProtocolError(400, `input "${input.name}": at most ${MAX_ROWS} rows per request`);
  const fits = shape.length === declared.shape.length && declared.shape.every((d, i) => typeof d !== 'number' || d === shape[i]);
  if (!fits)
    throw new ProtocolError(
      400,
      `input "${input.name}" has shape [${shape.join(', ')}], the model takes [${declared.shape.map((d) => (typeof d === 'number' ? d : -1)).join(', ')}]`,
    );
  // Binary FP32 for a float32 input: already the tensor (a copy of its section).
  if (declared.type === 'float32' && values instanceof Float32Array) return { data: values, shape };
  const data = make(size);
  if (data instanceof BigInt64Array || data instanceof Int32Array) {
    for (let i = 0; i < size; i++) {
      const v = values[i] as number | bigint;
      if (typeof v === 'number' && !Number.isInteger(v))
        throw new ProtocolError(400, `input "${input.name}" takes ${declared.type}; value ${v} is not an integer`);
      if (data instanceof BigInt64Array) data[i] = BigInt(v);
      else data[i] = Number(v);
    }
  } else for (let i = 0; i < size; i++) data[i] = Number(values[i]);
  return { data, shape };
}

/**
 * A request's inputs by name. A one-input model also takes a one-input request under
 * another name (as the server did before it read names); any other model needs every input by name.
 */
export function toFeeds(model: ServedModel, inputs: readonly RequestInput[]): Map<string, InputTensor> {
  const only = model.inputs.length === 1 && inputs.length === 1 ? inputs[0] : undefined;
  const renamed = only && !model.input(only.name) ? [{ ...only, name: model.inputName }] : inputs;
  const feeds = new Map<string, InputTensor>();
  for (const input of renamed) {
    if (feeds.has(input.name)) throw new ProtocolError(400, `input "${input.name}" is given twice`);
    feeds.set(input.name, toTensor(model, input));
  }
  const missing = model.inputs.filter((i) => !feeds.has(i.name)).map((i) => i.name);
  if (missing.length > 0)
    throw new ProtocolError(
      400,
      `input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} missing (the model takes ${model.inputs.map((i) => i.name).join(', ')})`,
    );
  return feeds;
}
