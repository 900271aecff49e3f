import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PairecError } from '../../errors.js';
import { FeatureSpecSchema } from '../feature-spec.js';
import { decodeV2Response, encodeV2Request, firstColumn } from '../../wire/tensors.js';
import { HEADER_LENGTH, decodeV2BinaryOutput, encodeV2BinaryRequest } from '../../wire/v2-binary.js';
import type { AlgorithmTypeDef } from '../registry.js';
import { remoteScoreAlgorithm } from '../remote/remote-score.js';
import type { ScoreCodec } from '../remote/remote-score.js';
import { rowsOf } from '../remote/rows.js';

/**
 * KServeConf: a model behind the Open Inference Protocol v2 REST API (KServe, Triton,
 * MLServer). Names follow PaiRec's remote confs (`Url`, `Timeout` in ms, `RetryTimes`).
 */
export const KServeConfSchema = Type.Object(
  {
    /** Base URL of the inference server, e.g. `http://host:8000`. */
    Url: Type.String({ minLength: 1, maxLength: 4096 }),
    ModelName: Type.String({ minLength: 1, maxLength: 256 }),
    /** Calls `/v2/models/<m>/versions/<v>/infer` when set. */
    ModelVersion: Type.String({ maxLength: 64, default: '' }),
    Timeout: Type.Integer({ minimum: 0, maximum: 600_000, default: 1000 }),
    RetryTimes: Type.Integer({ minimum: 0, maximum: 10, default: 0 }),
    Features: FeatureSpecSchema,
    InputName: Type.String({ minLength: 1, maxLength: 256, default: 'features' }),
    /** The output read as the score; the first output when empty. */
    OutputName: Type.String({ maxLength: 256, default: '' }),
    /** Sent as the `Authorization` header when set. */
    Auth: Type.String({ maxLength: 4096, default: '' }),
    MaxReplyBytes: Type.Integer({ minimum: 1024, maximum: 1 << 30, default: 4 << 20 }),
    /**
     * Send rows and receive scores as raw float32 (the protocol's binary tensor data
     * extension, which Triton and KServe support) instead of JSON numbers.
     */
    BinaryData: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type KServeConf = Static<typeof KServeConfSchema>;

/** KSERVE (`KServeConf`): scores from an Open Inference Protocol v2 server. */
export const kserveType: AlgorithmTypeDef<'score', typeof KServeConfSchema> = {
  type: 'KSERVE',
  kind: 'score',
  remote: true,
  endpoint: (conf) => conf.Url,
  confKey: 'KServeConf',
  schema: KServeConfSchema,
  create: (name, conf, deps) => {
    let base: URL;
    try {
      base = new URL(conf.Url);
    } catch {
      return Promise.reject(new PairecError('ERR_ALGORITHM_BUILD', `KSERVE "${name}": Url "${conf.Url}" is not a URL`));
    }
    const model = encodeURIComponent(conf.ModelName) + (conf.ModelVersion ? `/versions/${encodeURIComponent(conf.ModelVersion)}` : '');
    const path = `${base.pathname.replace(/\/$/, '')}/v2/models/${model}/infer`;
    const output = conf.OutputName || undefined;
    const codec: ScoreCodec = conf.BinaryData
      ? {
          contentType: 'application/octet-stream',
          path,
          rowAlignedUsers: true,
          encode: (user, items) => {
            const { body, headerLength } = encodeV2BinaryRequest(rowsOf(conf.Features, user, items), conf.InputName, output);
            return { body, headers: { [HEADER_LENGTH]: String(headerLength) } };
          },
          decode: (body, items, headers) => {
            const h = headers[HEADER_LENGTH];
            return firstColumn(decodeV2BinaryOutput(body, h === undefined ? undefined : Number(h), output), items.length);
          },
        }
      : {
          contentType: 'application/json',
          path,
          rowAlignedUsers: true,
          encode: (user, items) => encodeV2Request(rowsOf(conf.Features, user, items), conf.InputName, output),
          decode: (body, items) => decodeV2Response(body, items.length, output),
        };
    return remoteScoreAlgorithm(name, 'KSERVE', new URL(path, base).href, conf, codec, deps);
  },
};
