import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

/**
 * PaiRec's MilvusConf (`ServerAddress`, `Timeout` in ms) with the fields of PaiRec's
 * MilvusRequest (collection, vector field, metric, expr, output fields, partitions, search
 * params) moved into the conf, since here a retrieval run carries only vectors and k.
 */
export const MilvusConfSchema = Type.Object(
  {
    /** `host:port` of Milvus' gRPC endpoint (Milvus listens on 19530), or `https://…` for TLS. */
    ServerAddress: Type.String({ minLength: 1, maxLength: 2048 }),
    /** Connect timeout at build, and the per-call timeout (capped by the request's time left). */
    Timeout: Type.Integer({ minimum: 1, maximum: 600_000, default: 1000 }),
    CollectionName: Type.String({ minLength: 1, maxLength: 255 }),
    /** The float vector field searched (Milvus' anns_field). */
    VectorField: Type.String({ minLength: 1, maxLength: 255, default: 'vector' }),
    /** Must match the metric of the field's index. L2 distances are returned negated. */
    MetricType: Type.Union([Type.Literal('IP'), Type.Literal('L2')], { default: 'IP' }),
    /** Boolean filter expression, e.g. `category == "news"`. */
    Expr: Type.Optional(Type.String({ maxLength: 65_536 })),
    /** Scalar fields returned with each hit (in `fields`), besides the id. */
    OutputFields: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 64, default: [] }),
    /** Partitions searched; all when empty. */
    Partitions: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 4096, default: [] }),
    /** Index search parameters, e.g. `{"ef": 64}` (HNSW) or `{"nprobe": 16}` (IVF). */
    SearchParams: Type.Record(Type.String({ minLength: 1 }), Type.Union([Type.Number(), Type.String()]), { default: {} }),
    /** The primary-key field whose value becomes the item id. */
    IdField: Type.String({ minLength: 1, maxLength: 255, default: 'id' }),
    /** Attempts per run in total, the first included (the performance guide's maxRetries). */
    MaxRetries: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
  },
  { additionalProperties: false },
);
export type MilvusConf = Static<typeof MilvusConfSchema>;
