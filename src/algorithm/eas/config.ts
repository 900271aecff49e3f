import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { FeatureSpecSchema } from '../feature-spec.js';

/**
 * PaiRec's EasConf, every field under its PaiRec name so a PaiRec config loads unchanged
 * (`EndpointType` and `ModelName` are accepted and unused here), plus three of this
 * engine's own: `Features` (how the TensorFlow processor's input rows are assembled),
 * `InputName` and `MaxReplyBytes`.
 */
export const EasConfSchema = Type.Object(
  {
    /** `EasyRec` (PBRequest protobuf), `PMML` (gzip JSON) or `TensorFlow` (PredictRequest protobuf). */
    Processor: Type.String({ minLength: 1, maxLength: 64 }),
    /** Full service URL, e.g. `http://host/api/predict/my_model`. */
    Url: Type.String({ minLength: 1, maxLength: 4096 }),
    /** The service token, sent as the `Authorization` header when set. */
    Auth: Type.String({ maxLength: 4096, default: '' }),
    EndpointType: Type.String({ maxLength: 64, default: '' }),
    /** TensorFlow processor: the signature to run; empty for the default. */
    SignatureName: Type.String({ maxLength: 256, default: '' }),
    /** Per-call timeout in ms, capped by the request's time left. */
    Timeout: Type.Integer({ minimum: 0, maximum: 600_000, default: 1000 }),
    /** Attempts in total, the first included; 0 means PaiRec's default of 2. */
    RetryTimes: Type.Integer({ minimum: 0, maximum: 10, default: 0 }),
    /** PaiRec's response function; a name with `MutVal` fills each item's score map from `Outputs`. */
    ResponseFuncName: Type.String({ maxLength: 256, default: '' }),
    /** Output names: the TensorFlow output filter, and the score map's keys. The first is the score. */
    Outputs: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 64, default: [] }),
    ModelName: Type.String({ maxLength: 256, default: '' }),
    Features: Type.Optional(FeatureSpecSchema),
    InputName: Type.String({ minLength: 1, maxLength: 256, default: 'features' }),
    MaxReplyBytes: Type.Integer({ minimum: 1024, maximum: 1 << 30, default: 4 << 20 }),
  },
  { additionalProperties: false },
);
export type EasConf = Static<typeof EasConfSchema>;

/** Processors this engine speaks, by PaiRec's names. */
export const EAS_PROCESSORS = ['EasyRec', 'PMML', 'TensorFlow'] as const;
