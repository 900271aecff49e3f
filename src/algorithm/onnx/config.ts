import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { FeatureSpecSchema } from '../../model/feature-spec.js';

/**
 * OnnxConf: an ONNX model run in process by onnxruntime-node. `Features` says how the
 * model's input rows are assembled (user ⊕ item); the same spec drives `pairec
 * model-server`, so remote and in-process scores match.
 */
export const OnnxConfSchema = Type.Object(
  {
    /** The .onnx file; relative paths are resolved against the working directory, then the package's folder. */
    ModelPath: Type.String({ minLength: 1, maxLength: 4096 }),
    Features: FeatureSpecSchema,
    /** Input tensor name; default: the model's first input. */
    InputName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /**
     * A model that takes the user once: its input of this name gets the user part as one
     * [1, user width] row and broadcasts it, and the item input (InputName, default the
     * other input) gets only the item parts, [n, item width]. The same scores as the
     * user ⊕ item model without computing the user's share of the first layer once per
     * item (docs/algorithms/onnx.md). Default: one input of user ⊕ item rows.
     */
    UserInputName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Output tensor name; default: the model's first output. Its first value per row is the score. */
    OutputName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /**
     * Where inference runs: `main` on the event-loop thread (cheapest for small models, see
     * docs/decisions/0002-onnx-placement.md), `workers` in a piscina pool of `Threads` threads.
     */
    Mode: Type.Union([Type.Literal('main'), Type.Literal('workers')], { default: 'main' }),
    /** Worker threads in `workers` mode, one session each (each session uses 1 intra-op thread). */
    Threads: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
    /**
     * Runs admitted at once (each holds one input buffer); more wait in the queue. Default:
     * 1 in `main` mode — runs admitted together execute back to back in one event-loop turn,
     * so this bounds the longest stall — and 2 × Threads in `workers` mode (one running and
     * one ready per thread).
     */
    MaxConcurrent: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    /**
     * Runs that may wait; one more is rejected at once with ERR_QUEUE_FULL ("worker pool
     * queue full"). Default: what admission lets in, `performance.max_concurrent_requests`
     * × the runs one request makes of the model (its rank batches, config/run-bounds.ts),
     * so the queue never sheds an admitted request; admission is the one limit. A value
     * set below that is kept, with a warning at build.
     */
    MaxQueue: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);
export type OnnxConf = Static<typeof OnnxConfSchema>;
