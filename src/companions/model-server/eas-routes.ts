import { gunzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FeatureInput, FeatureMap } from '../../algorithm/contract.js';
import type { InputPlan } from '../../algorithm/onnx/layout.js';
import { decodePBRequest, encodePBResponse } from '../../wire/easyrec.js';
import { decodeEasTfRequest, encodeEasTfResponse } from '../../wire/tensors.js';
import { ProtocolError, runFeeds, scoreFeatures } from './protocols.js';
import { toFeeds } from './inputs.js';
import { ServedModel } from './model.js';
import type { HotSwap } from '../hot-swap.js';
import type { Served } from './served.js';

/**
 * PAI-EAS' `/api/predict/<service>` with three processors over the one model:
 * `<name>` speaks EasyRec (PBRequest → PBResponse), `<name>_tf` the TensorFlow processor
 * (PredictRequest → PredictResponse), `<name>_pmml` PMML (gzip JSON list → JSON list).
 * With a token set, the `Authorization` header must carry it, as on EAS.
 */
export function registerEasRoutes(app: FastifyInstance, served: HotSwap<Served>, token: string | undefined): void {
  const auth = (req: FastifyRequest): void => {
    if (token !== undefined && req.headers.authorization !== token) throw new ProtocolError(401, 'Authorization token is missing or wrong');
  };
  app.post<{ Params: { service: string } }>('/api/predict/:service', async (req, reply) => {
    auth(req);
    // The call leases the model and spec it started with: a reload never closes them under it.
    return served.use(({ model, plans }) => predict(model, plans, req.params.service, req.body as Buffer, reply));
  });
}

/** One EAS call to `service`: the model's own name (EasyRec), `_tf` or `_pmml`. */
async function predict(model: ServedModel, plans: readonly InputPlan[] | undefined, service: string, body: Buffer, reply: FastifyReply): Promise<unknown> {
  if (service === model.name) {
    let decoded;
    try {
      decoded = decodePBRequest(body);
    } catch (err) {
      throw new ProtocolError(400, `not a PBRequest: ${(err as Error).message}`);
    }
    const result = await scoreFeatures(model, plans, decoded.user, decoded.items);
    const outputs = Object.keys(result);
    const cols = outputs.map((o) => ServedModel.firstColumn(result[o] as never, decoded.items.length));
    const results: Record<string, { scores: number[] }> = {};
    decoded.itemIds.forEach((id, i) => (results[id] = { scores: cols.map((c) => c[i] as number) }));
    return reply.type('application/octet-stream').send(Buffer.from(encodePBResponse({ results, outputs, itemIds: [...decoded.itemIds] })));
  }
  if (service === `${model.name}_tf`) {
    let decoded;
    try {
      decoded = decodeEasTfRequest(body);
    } catch (err) {
      throw new ProtocolError(400, `not a PredictRequest: ${(err as Error).message}`);
    }
    // Every input by name; a tensor without a shape is read as rows of the input's declared width.
    const given = Object.entries(decoded.inputs).map(([name, t]) => {
      const width = model.input(name)?.shape[1];
      const shape = t.shape.length > 0 ? t.shape : typeof width === 'number' && width > 0 ? [t.values.length / width, width] : [t.values.length];
      return { name, values: t.values, shape };
    });
    if (given.length === 0) throw new ProtocolError(400, 'PredictRequest has no inputs');
    const result = await runFeeds(model, toFeeds(model, given), decoded.outputFilter);
    const outputs: Record<string, { shape: number[]; values: Float32Array }> = {};
    for (const [k, t] of Object.entries(result)) outputs[k] = { shape: [...t.shape], values: t.data };
    return reply.type('application/octet-stream').send(Buffer.from(encodeEasTfResponse(outputs)));
  }
  if (service === `${model.name}_pmml`) {
    const list = parsePmml(body);
    const users: FeatureMap[] = [];
    const items: FeatureMap[] = [];
    for (const row of list) {
      const user: Record<string, FeatureInput> = {};
      const item: Record<string, FeatureInput> = {};
      for (const [k, v] of Object.entries(row)) {
        const value = Array.isArray(v) ? Float32Array.from(v as number[]) : (v as FeatureInput);
        if (k.startsWith('user_')) user[k.slice(5)] = value;
        else item[k] = value;
      }
      users.push(user);
      items.push(item);
    }
    const result = await scoreFeatures(model, plans, users, items);
    const first = result[model.outputNames[0] as string];
    const scores = first ? ServedModel.firstColumn(first, items.length) : new Float32Array(0);
    return Array.from(scores, (score) => ({ score }));
  }
  throw new ProtocolError(404, `no service "${service}" (serving ${model.name}, ${model.name}_tf, ${model.name}_pmml)`);
}

function parsePmml(body: Buffer): Record<string, unknown>[] {
  let list: unknown;
  try {
    const text = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body).toString('utf8') : body.toString('utf8');
    list = JSON.parse(text);
  } catch {
    throw new ProtocolError(400, 'PMML body is not (gzip) JSON');
  }
  if (!Array.isArray(list) || !list.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw new ProtocolError(400, 'PMML body must be a JSON list of feature maps');
  }
  return list as Record<string, unknown>[];
}
