import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HEADER_LENGTH, float32Bytes, float32From, packBinary, unpackBinary } from '../../model/wire/v2-binary.js';
import { MAX_ROWS, ProtocolError, nested, parseJson, runRows, tensorFrom } from './protocols.js';
import type { ServedModel } from './model.js';
import type { HotSwap } from '../hot-swap.js';
import type { Served } from './served.js';

/** A [N, W] tensor from a binary section; its size must match the shape. */
function binaryTensor(bytes: Buffer, shape: readonly number[]): { rows: Float32Array; n: number; width: number } {
  const n = shape[0] ?? 0;
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  if (bytes.length !== n * width * 4) throw new ProtocolError(400, `binary input of ${bytes.length} bytes is not FP32 [${shape.join(', ')}]`);
  if (n > MAX_ROWS) throw new ProtocolError(400, `at most ${MAX_ROWS} rows per request`);
  return { rows: float32From(bytes), n, width };
}

const flatNumbersCount = (row: unknown[]): number => row.flat(Infinity).length;
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
    inputs: [{ name: model.inputName, datatype: 'FP32', shape: [-1, model.width ?? -1] }],
    outputs: model.outputNames.map((name) => ({ name, datatype: 'FP32', shape: [-1, 1] })),
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
    const input = (inputs as unknown[]).find((i) => isObject(i) && i.name === model.inputName) ?? inputs[0];
    if (!isObject(input)) throw new ProtocolError(400, 'each input must be an object');
    const shape = input.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      throw new ProtocolError(400, `input "${String(input.name)}" needs a "shape" of non-negative integers`);
    }
    const bin = sections.get(String(input.name));
    if (bin && input.datatype !== 'FP32') throw new ProtocolError(400, 'binary inputs must be FP32');
    const { rows, n, width } = bin ? binaryTensor(bin, shape as number[]) : tensorFrom(input.data, shape as number[], model);
    const asked = Array.isArray(msg.outputs) ? (msg.outputs as unknown[]).filter(isObject) : undefined;
    const result = await runRows(model, rows, n, width, asked?.map((o) => String(o.name)));
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

/** TF Serving's REST predict: row ("instances") or columnar ("inputs") requests. */
async function predict(model: ServedModel, body: Buffer): Promise<unknown> {
  const msg = parseJson(body);
  const row = 'instances' in msg;
  let data: unknown = row ? msg.instances : msg.inputs;
  if (isObject(data)) data = data[model.inputName] ?? Object.values(data)[0];
  if (data === undefined) throw new ProtocolError(400, 'request needs "instances" or "inputs"');
  const first: unknown = Array.isArray(data) ? (data as unknown[])[0] : undefined;
  const shape = Array.isArray(data) && Array.isArray(first) ? [data.length, flatNumbersCount(first)] : undefined;
  const { rows, n, width } = tensorFrom(data, shape, model);
  const result = await runRows(model, rows, n, width);
  // TF Serving's shapes: one output is a bare tensor; several are a map (columnar) or
  // one object per row (row format).
  const names = Object.keys(result);
  const cols = names.map((k) => nested(result[k] as never) as unknown[]);
  if (names.length === 1) return row ? { predictions: cols[0] } : { outputs: cols[0] };
  if (!row) return { outputs: Object.fromEntries(names.map((k, i) => [k, cols[i]])) };
  return { predictions: Array.from({ length: n }, (_, r) => Object.fromEntries(names.map((k, i) => [k, cols[i]?.[r]]))) };
}
