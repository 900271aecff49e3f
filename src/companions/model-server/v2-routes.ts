import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HEADER_LENGTH, float32Bytes, packBinary, unpackBinary } from '../../wire/v2-binary.js';
import { flatNumbers } from '../../wire/tensors.js';
import { ProtocolError, nested, parseJson, runFeeds } from './protocols.js';
import { v2Type } from './model.js';
import type { ServedModel } from './model.js';
import { nestedShape, toFeeds } from './inputs.js';
import type { RequestInput } from './inputs.js';
import type { HotSwap } from '../hot-swap.js';
import type { Served } from './served.js';

/** Binary tensor data by KServe datatype: little-endian, as the binary extension specifies. */
const BINARY: Record<string, { bytes: number; read: (b: ArrayBuffer) => ArrayLike<number | bigint> }> = {
  FP32: { bytes: 4, read: (b) => new Float32Array(b) },
  FP64: { bytes: 8, read: (b) => new Float64Array(b) },
  INT32: { bytes: 4, read: (b) => new Int32Array(b) },
  INT64: { bytes: 8, read: (b) => new BigInt64Array(b) },
};

function binaryValues(name: string, datatype: unknown, bytes: Buffer, shape: readonly number[]): ArrayLike<number | bigint> {
  const kind = BINARY[String(datatype)];
  if (!kind) throw new ProtocolError(400, `binary input "${name}": datatype ${String(datatype)} is not one of ${Object.keys(BINARY).join(', ')}`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== size * kind.bytes)
    throw new ProtocolError(400, `binary input "${name}" of ${bytes.length} bytes is not ${String(datatype)} [${shape.join(', ')}]`);
  // A copy: the section may sit at an offset a typed array cannot start at.
  return kind.read(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
}

/** Numbers of a JSON input's data (flat or nested, row-major). */
function jsonValues(name: string, data: unknown): number[] {
  try {
    return flatNumbers(data);
  } catch (err) {
    throw new ProtocolError(400, `input "${name}" data: ${(err as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * KServe's Open Inference Protocol v2 (REST) and TensorFlow Serving's REST predict API.
 * Errors are `{"error": "..."}`, as both protocols specify.
 */
export function registerTensorRoutes(app: FastifyInstance, served: HotSwap<Served>): void {
  const checkModel = (name: string, model: ServedModel): void => {
    if (name !== model.name) throw new ProtocolError(404, `model "${name}" is not served (serving "${model.name}")`);
  };
  // Each call leases the model it started with: a reload never closes it under the call.
  const withModel = <R>(name: string, fn: (model: ServedModel) => Promise<R> | R): Promise<R> =>
    served.use(({ model }) => {
      checkModel(name, model);
      return fn(model);
    });
  const metadata = (model: ServedModel) => ({
    name: model.name,
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    // As the model declares them; a symbolic dimension is -1.
    inputs: model.inputs.map((i) => ({ name: i.name, datatype: v2Type(i.type), shape: i.shape.map((d) => (typeof d === 'number' ? d : -1)) })),
    // Outputs are answered as FP32 whatever their element type (model.ts).
    outputs: model.outputs.map((o) => ({ name: o.name, datatype: 'FP32', shape: o.shape.map((d) => (typeof d === 'number' ? d : -1)) })),
  });

  app.get('/v2/health/live', () => ({ live: true }));
  app.get('/v2/health/ready', () => ({ ready: true }));
  app.get('/v2', () => ({ name: 'pairec-model-server', version: '1', extensions: [] }));
  app.get<{ Params: { m: string } }>('/v2/models/:m', (req) => withModel(req.params.m, metadata));
  app.get<{ Params: { m: string } }>('/v2/models/:m/ready', (req) => withModel(req.params.m, (model) => ({ name: model.name, ready: true })));

  const infer = async (model: ServedModel, body: Buffer, req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const headerLength = req.headers[HEADER_LENGTH];
    let msg: Record<string, unknown>;
    let sections = new Map<string, Buffer>();
    if (typeof headerLength === 'string') {
      try {
        ({ header: msg, sections } = unpackBinary(body, Number(headerLength), 'inputs'));
      } catch (err) {
        throw new ProtocolError(400, (err as Error).message);
      }
    } else {
      msg = parseJson(body);
    }
    const inputs = msg.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) throw new ProtocolError(400, 'request needs a non-empty "inputs" array');
    // Every input by its name, as the model declares them (Triton's way), in any order.
    const given: RequestInput[] = (inputs as unknown[]).map((input) => {
      if (!isObject(input) || typeof input.name !== 'string') throw new ProtocolError(400, 'each input must be an object with a "name"');
      const shape = input.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
        throw new ProtocolError(400, `input "${input.name}" needs a "shape" of non-negative integers`);
      }
      const bin = sections.get(input.name);
      const values = bin ? binaryValues(input.name, input.datatype, bin, shape as number[]) : jsonValues(input.name, input.data);
      return { name: input.name, values, shape: shape as number[] };
    });
    const feeds = toFeeds(model, given);
    const asked = Array.isArray(msg.outputs) ? (msg.outputs as unknown[]).filter(isObject) : undefined;
    const result = await runFeeds(
      model,
      feeds,
      asked?.map((o) => String(o.name)),
    );
    const binaryAll = isObject(msg.parameters) && msg.parameters.binary_data_output === true;
    const wantsBinary = (oname: string): boolean =>
      binaryAll || (asked?.some((o) => o.name === oname && isObject(o.parameters) && o.parameters.binary_data === true) ?? false);
    const head = { model_name: model.name, model_version: '1', ...(typeof msg.id === 'string' ? { id: msg.id } : {}) };
    const entries = Object.entries(result);
    if (!entries.some(([oname]) => wantsBinary(oname))) {
      return { ...head, outputs: entries.map(([oname, t]) => ({ name: oname, datatype: 'FP32', shape: t.shape, data: Array.from(t.data) })) };
    }
    const binSections: Buffer[] = [];
    const outputs = entries.map(([oname, t]) => {
      if (!wantsBinary(oname)) return { name: oname, datatype: 'FP32', shape: t.shape, data: Array.from(t.data) };
      const bytes = float32Bytes(t.data);
      binSections.push(bytes);
      return { name: oname, datatype: 'FP32', shape: t.shape, parameters: { binary_data_size: bytes.length } };
    });
    const packed = packBinary({ ...head, outputs }, binSections);
    return reply.header(HEADER_LENGTH, String(packed.headerLength)).type('application/octet-stream').send(packed.body);
  };
  app.post<{ Params: { m: string } }>('/v2/models/:m/infer', (req, reply) => withModel(req.params.m, (model) => infer(model, req.body as Buffer, req, reply)));
  app.post<{ Params: { m: string; v: string } }>('/v2/models/:m/versions/:v/infer', (req, reply) =>
    withModel(req.params.m, (model) => infer(model, req.body as Buffer, req, reply)),
  );

  // TF Serving: GET /v1/models/<m> (status) and POST /v1/models/<m>[/versions/<v>]:predict.
  app.get<{ Params: { m: string } }>('/v1/models/:m', (req) =>
    withModel(req.params.m, () => ({ model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] })),
  );
  app.post<{ Params: { '*': string } }>('/v1/models/*', async (req) => {
    const m = /^([^/:]+)(?:\/versions\/[^/:]+)?:predict$/.exec(req.params['*']);
    if (!m?.[1]) throw new ProtocolError(404, 'expected /v1/models/<model>:predict');
    return withModel(m[1], (model) => predict(model, req.body as Buffer));
  });
}

/** One TF Serving input from nested JSON; a flat list for a model of fixed width W is read as rows of W. */
function tfInput(model: ServedModel, name: string, data: unknown): RequestInput {
  const values = jsonValues(name, data);
  let shape = nestedShape(data);
  const declared = model.input(name)?.shape;
  const width = declared?.length === 2 ? declared[1] : undefined;
  if (shape.length === 1 && typeof width === 'number' && width > 1 && values.length % width === 0) shape = [values.length / width, width];
  return { name, values, shape };
}

/**
 * TF Serving's REST predict: row ("instances") or columnar ("inputs") requests. Named
 * inputs come as objects (`{"inputs": {"user": …, "item": …}}`, `{"instances": [{"user":
 * …, "item": …}]}`); a one-input model also takes the bare tensor.
 */
async function predict(model: ServedModel, body: Buffer): Promise<unknown> {
  const msg = parseJson(body);
  const row = 'instances' in msg;
  const data: unknown = row ? msg.instances : msg.inputs;
  if (data === undefined) throw new ProtocolError(400, 'request needs "instances" or "inputs"');
  let given: RequestInput[];
  if (row && Array.isArray(data) && data.length > 0 && data.every(isObject)) {
    // Row format with named inputs: each instance holds one row of every input.
    const names = Object.keys(data[0] as Record<string, unknown>);
    given = names.map((name) => {
      const column = (data as Record<string, unknown>[]).map((inst) => {
        if (!(name in inst)) throw new ProtocolError(400, `every instance needs input "${name}"`);
        return inst[name];
      });
      return { name, values: jsonValues(name, column), shape: nestedShape(column) };
    });
  } else if (isObject(data)) given = Object.entries(data).map(([name, v]) => tfInput(model, name, v));
  else given = [tfInput(model, model.inputName, data)];
  const feeds = toFeeds(model, given);
  const n = given[0]?.shape[0] ?? 0;
  const result = await runFeeds(model, feeds);
  // TF Serving's shapes: one output is a bare tensor; several are a map (columnar) or
  // one object per row (row format).
  const names = Object.keys(result);
  const cols = names.map((k) => nested(result[k] as never) as unknown[]);
  if (names.length === 1) return row ? { predictions: cols[0] } : { outputs: cols[0] };
  if (!row) return { outputs: Object.fromEntries(names.map((k, i) => [k, cols[i]])) };
  return { predictions: Array.from({ length: n }, (_, r) => Object.fromEntries(names.map((k, i) => [k, cols[i]?.[r]]))) };
}
