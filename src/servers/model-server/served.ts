import type { Logger } from 'pino';
import type { FeatureSpec } from '../../model/feature-spec.js';
import { specWidth } from '../../model/feature-spec.js';
import { PairecError } from '../../errors.js';
import { ServedModel } from './model.js';

/** The model and the feature spec its EasyRec and PMML rows are assembled with (none: tensors only); loaded, checked and replaced together. */
export interface Served {
  readonly model: ServedModel;
  readonly spec: FeatureSpec | undefined;
}

/** The spec used when none is given: the demo's user embedding ⊕ item embedding, 64 each. */
export const DEFAULT_SPEC: FeatureSpec = {
  User: [{ Name: 'embedding', Dim: 64, Default: 0 }],
  Item: [{ Name: 'embedding', Dim: 64, Default: 0 }],
};

/** Why a spec cannot feed the model (one float32 input of the spec's width), or undefined when it can. */
function misfit(model: ServedModel, spec: FeatureSpec): string | undefined {
  const first = model.inputs[0];
  if (model.inputs.length !== 1 || first === undefined) {
    return `a feature spec assembles one input, the model takes ${model.inputs.length} (${model.inputs.map((i) => i.name).join(', ')})`;
  }
  if (first.type !== 'float32') return `a feature spec assembles float32 rows, input "${first.name}" takes ${first.type}`;
  if (model.width !== undefined && specWidth(spec) !== model.width) {
    return `the feature spec assembles ${specWidth(spec)} values per row, the model takes ${model.width}`;
  }
  return undefined;
}

/**
 * Reads the feature spec and loads the model (a new session beside any served one). A
 * spec given that cannot feed the model refuses the load, with the reason; without one,
 * the default spec is kept when it fits, and otherwise only the tensor protocols serve.
 * Nothing is left open when it throws.
 */
export async function loadServed(
  modelPath: string,
  name: string | undefined,
  loadSpec: () => Promise<FeatureSpec | undefined>,
  logger?: Pick<Logger, 'info'>,
): Promise<Served> {
  const given = await loadSpec();
  let model: ServedModel;
  try {
    model = await ServedModel.load(modelPath, name);
  } catch (err) {
    throw new PairecError('ERR_CONFIG_READ', `${modelPath}: not a loadable ONNX model: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (given !== undefined) {
    const why = misfit(model, given);
    if (why !== undefined) {
      await model.close();
      throw new PairecError('ERR_CONFIG_READ', `${why}; a model's tensors are served by input name without a spec, which only EasyRec and PMML requests need`);
    }
    return { model, spec: given };
  }
  const why = misfit(model, DEFAULT_SPEC);
  if (why !== undefined) logger?.info({ model: model.name, reason: why }, 'no feature spec: EasyRec and PMML requests are refused, tensor protocols serve the model by input name');
  return { model, spec: why === undefined ? DEFAULT_SPEC : undefined };
}
