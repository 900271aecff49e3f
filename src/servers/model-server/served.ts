import type { FeatureSpec } from '../../model/feature-spec.js';
import { specWidth } from '../../model/feature-spec.js';
import { PairecError } from '../../errors.js';
import { ServedModel } from './model.js';

/** The model and the feature spec its rows are assembled with: loaded, checked and replaced together. */
export interface Served {
  readonly model: ServedModel;
  readonly spec: FeatureSpec;
}

/**
 * Reads the feature spec and loads the model (a new session beside any served one), and
 * checks that the spec assembles rows as wide as the model takes. Throws, with the file
 * and the reason, when either cannot be used; nothing is left open then.
 */
export async function loadServed(modelPath: string, name: string | undefined, loadSpec: () => Promise<FeatureSpec>): Promise<Served> {
  const spec = await loadSpec();
  let model: ServedModel;
  try {
    model = await ServedModel.load(modelPath, name);
  } catch (err) {
    throw new PairecError('ERR_CONFIG_READ', `${modelPath}: not a loadable ONNX model: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (model.width !== undefined && specWidth(spec) !== model.width) {
    await model.close();
    throw new PairecError('ERR_CONFIG_READ', `the feature spec assembles ${specWidth(spec)} values per row, the model takes ${model.width}`);
  }
  return { model, spec };
}
