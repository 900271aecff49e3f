import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { FeatureRefSchema, FeatureSpecSchema } from '../feature-spec.js';

/**
 * One model input, by name: the user's features (assembled once per request) and the
 * item's (once per row), in the order listed. An input with item features gets one row
 * per item, user part first; an input with only user features gets one row, fed as [1, W]
 * when the model declares its first dimension 1 (the model broadcasts it) and repeated
 * for every item otherwise (a graph that concatenates it with per-item inputs).
 */
export const OnnxInputSchema = Type.Object(
  {
    User: Type.Optional(Type.Array(FeatureRefSchema, { maxItems: 1024 })),
    Item: Type.Optional(Type.Array(FeatureRefSchema, { maxItems: 1024 })),
  },
  { additionalProperties: false },
);
export type OnnxInput = Static<typeof OnnxInputSchema>;

/** Every model input by name (OnnxConf.Inputs; also a `pairec model-server --features` file's `Inputs`). */
export const OnnxInputsSchema = Type.Record(Type.String({ minLength: 1, maxLength: 256 }), OnnxInputSchema, { maxProperties: 256 });

/**
 * OnnxConf: an ONNX model run in process by onnxruntime-node. `Features` says how the
 * model's input rows are assembled (user ⊕ item); the same spec drives `pairec
 * model-server`, so remote and in-process scores match.
 */
export const OnnxConfSchema = Type.Object(
  {
    /** The .onnx file; relative paths are resolved against the working directory, then the package's folder. */
    ModelPath: Type.String({ minLength: 1, maxLength: 4096 }),
    /**
     * A model with one input: its rows, user ⊕ item. Kept for configs written before
     * `Inputs`; with `Inputs` set, leave it out.
     */
    Features: Type.Optional(FeatureSpecSchema),
    /**
     * Every model input by name, each with its user and item features
     * (`{"user": {"User": [...]}, "item": {"Item": [...]}}`): float32 and int64 inputs, as
     * many as the model has. Checked at build against the model's declared inputs and by
     * a run of that layout, so a layout that does not fit fails the config load.
     */
    Inputs: Type.Optional(OnnxInputsSchema),
    /** With `Features`: the input tensor's name; default: the model's first input. */
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
     * one ready per thread); either capped at `performance.worker_pool_size`.
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
