import { Type } from '@sinclair/typebox';
import { AlgorithmBase } from '../../src/algorithm/base.js';
import type { AlgoResponse, ScoreInput } from '../../src/algorithm/contract.js';
import { scoreInputSize } from '../../src/algorithm/contract.js';
import type { AlgorithmTypeDef } from '../../src/algorithm/registry.js';
import { FeatureSpecSchema, assembleRows, specWidth } from '../../src/algorithm/feature-spec.js';
import type { FeatureSpec } from '../../src/algorithm/feature-spec.js';

const RowsConfSchema = Type.Object({ Features: FeatureSpecSchema }, { additionalProperties: false });

/** The rows a model was fed, by item id (the item map's `item_id`, or the row's index). */
export interface RowLog {
  readonly rows: Float32Array[];
  /** Unusable values assembleRows met (what ONNX counts in pairec_algorithm_invalid_values_total). */
  invalid: number;
}

class RowRecorder extends AlgorithmBase<'score'> {
  readonly #spec: FeatureSpec;
  readonly #log: RowLog;

  constructor(name: string, spec: FeatureSpec, log: RowLog) {
    super(name, 'ROWS', 'score');
    this.#spec = spec;
    this.#log = log;
  }

  protected execute(input: ScoreInput): Promise<readonly AlgoResponse[]> {
    const n = scoreInputSize(input);
    const width = specWidth(this.#spec);
    const out = new Float32Array(n * width);
    // The assembly ONNX, KServe, TF Serving and the model server use.
    this.#log.invalid += assembleRows(this.#spec, input.users ?? input.user, input.rows ?? input.items, out);
    for (let i = 0; i < n; i++) this.#log.rows.push(out.slice(i * width, (i + 1) * width));
    return Promise.resolve(Array.from({ length: n }, () => ({ score: 1 })));
  }
}

/** A score type (`Type: "ROWS"`, `RowsConf: {Features}`) that records the model rows its feature spec assembles. */
export function rowRecorderType(log: RowLog): AlgorithmTypeDef<'score', typeof RowsConfSchema> {
  return {
    type: 'ROWS',
    kind: 'score',
    confKey: 'RowsConf',
    schema: RowsConfSchema,
    create: (name, conf) => Promise.resolve(new RowRecorder(name, conf.Features, log)),
  };
}
