import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

/** PaiRec's VectorConf (ServerAddress, Timeout) plus the channel pool. */
export const VectorConfSchema = Type.Object(
  {
    /** host:port of a server speaking pai.web.VectorRetrieval (Faiss-Server, `pairec vector-server`). */
    ServerAddress: Type.String({ minLength: 3, pattern: '^[^\\s/]+:\\d+$' }),
    /** Per-call timeout in ms; a call never outlives the request's deadline either. */
    Timeout: Type.Integer({ minimum: 1, maximum: 60_000, default: 200 }),
    /** Channels (HTTP/2 connections) calls are spread over, round robin. */
    PoolSize: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
    /** What the server's scores are: ip similarities (kept) or l2 distances (negated, so larger is better). */
    Metric: Type.Union([Type.Literal('ip'), Type.Literal('l2')], { default: 'ip' }),
    /** Ceiling of the reconnect backoff after the server goes away, in ms. */
    MaxReconnectBackoff: Type.Integer({ minimum: 100, maximum: 120_000, default: 2000 }),
  },
  { additionalProperties: false },
);
export type VectorConf = Static<typeof VectorConfSchema>;
