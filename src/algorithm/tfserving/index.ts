import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PairecError } from '../../errors.js';
import { FeatureSpecSchema } from '../feature-spec.js';
import { decodeTfRestResponse, encodeTfRestRequest } from '../../wire/tensors.js';
import type { AlgorithmTypeDef } from '../registry.js';
import { remoteScoreAlgorithm } from '../remote/remote-score.js';
import { rowsOf } from '../remote/rows.js';

/**
 * PaiRec's TFservingConf (`Url`, `SignatureName`, `Timeout`, `RetryTimes`,
 * `ResponseFuncName`, `Outputs`), plus `Features` (how input rows are assembled),
 * `InputName` and `MaxReplyBytes`. `Url` is the REST predict URL,
 * `http://host:8501/v1/models/<m>:predict`.
 */
export const TFservingConfSchema = Type.Object(
  {
    Url: Type.String({ minLength: 1, maxLength: 4096 }),
    SignatureName: Type.String({ maxLength: 256, default: '' }),
    Timeout: Type.Integer({ minimum: 0, maximum: 600_000, default: 1000 }),
    RetryTimes: Type.Integer({ minimum: 0, maximum: 10, default: 0 }),
    ResponseFuncName: Type.String({ maxLength: 256, default: '' }),
    /** The first output is the score; all outputs when empty. */
    Outputs: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 64, default: [] }),
    Features: FeatureSpecSchema,
    InputName: Type.String({ minLength: 1, maxLength: 256, default: 'features' }),
    MaxReplyBytes: Type.Integer({ minimum: 1024, maximum: 1 << 30, default: 4 << 20 }),
  },
  { additionalProperties: false },
);
export type TFservingConf = Static<typeof TFservingConfSchema>;

/** TFSERVING (`TFservingConf`): scores from TensorFlow Serving's REST predict API. */
export const tfservingType: AlgorithmTypeDef<'score', typeof TFservingConfSchema> = {
  type: 'TFSERVING',
  kind: 'score',
  remote: true,
  endpoint: (conf) => conf.Url,
  confKey: 'TFservingConf',
  schema: TFservingConfSchema,
  create: (name, conf, deps) => {
    let url: URL;
    try {
      url = new URL(conf.Url);
    } catch {
      return Promise.reject(new PairecError('ERR_ALGORITHM_BUILD', `TFSERVING "${name}": Url "${conf.Url}" is not a URL`));
    }
    const output = conf.Outputs[0];
    const codec = {
      contentType: 'application/json',
      path: url.pathname + url.search,
      rowAlignedUsers: true,
      encode: (user: Parameters<typeof rowsOf>[1], items: Parameters<typeof rowsOf>[2]) =>
        encodeTfRestRequest(rowsOf(conf.Features, user, items), conf.InputName, conf.SignatureName),
      decode: (body: Buffer, items: Parameters<typeof rowsOf>[2]) => decodeTfRestResponse(body, items.length, output),
    };
    return remoteScoreAlgorithm(name, 'TFSERVING', conf.Url, conf, codec, deps);
  },
};
