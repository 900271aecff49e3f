import type { Logger } from 'pino';
import type { FeatureSpec } from '../../algorithm/feature-spec.js';
import { PairecError } from '../../errors.js';
import type { OnnxInput } from '../../algorithm/onnx/config.js';
import { planInputs } from '../../algorithm/onnx/layout.js';
import type { InputPlan } from '../../algorithm/onnx/layout.js';
import { ServedModel } from './model.js';

/**
 * How EasyRec and PMML feature maps become the model's inputs: a one-input FeatureSpec
 * (`{User, Item}`), or every input by name as `OnnxConf.Inputs` (`{"Inputs": {…}}`).
 */
export type ServedSpec = FeatureSpec | { readonly Inputs: Readonly<Record<string, OnnxInput>> };

/** The model and the spec its EasyRec and PMML inputs are assembled with (none: tensors only); loaded, checked and replaced together. */
export interface Served {
  readonly model: ServedModel;
  readonly spec: ServedSpec | undefined;
  /** The spec checked against the model: each input and its features (the in-process ONNX type's layout). */
  readonly plans: readonly InputPlan[] | undefined;
}

/** The spec used when none is given: the demo's user embedding ⊕ item embedding, 64 each. */
export const DEFAULT_SPEC: FeatureSpec = {
  User: [{ Name: 'embedding', Dim: 64, Default: 0 }],
  Item: [{ Name: 'embedding', Dim: 64, Default: 0 }],
};

/** The spec's layout on the model, or why it cannot feed it. */
function planOf(model: ServedModel, spec: ServedSpec): { plans: InputPlan[] } | { why: string } {
  try {
    const conf = 'Inputs' in spec ? { Inputs: { ...spec.Inputs } } : { Features: spec };
    return { plans: planInputs(conf, model.inputs, 'spec') };
  } catch (err) {
    return { why: err instanceof Error ? err.message : String(err) };
  }
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
  loadSpec: () => Promise<ServedSpec | undefined>,
  logger?: Pick<Logger, 'info'>,
): Promise<Served> {
  const given = await loadSpec();
  let model: ServedModel;
  try {
    model = await ServedModel.load(modelPath, name);
  } catch (err) {
    throw new PairecError('ERR_CONFIG_READ', `${modelPath}: not a loadable ONNX model: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const planned = planOf(model, given ?? DEFAULT_SPEC);
  if ('plans' in planned) return { model, spec: given ?? DEFAULT_SPEC, plans: planned.plans };
  if (given !== undefined) {
    await model.close();
    throw new PairecError(
      'ERR_CONFIG_READ',
      `${planned.why}; a model's tensors are served by input name without a spec, which only EasyRec and PMML requests need`,
    );
  }
  logger?.info(
    { model: model.name, reason: planned.why },
    'no feature spec: EasyRec and PMML requests are refused, tensor protocols serve the model by input name',
  );
  return { model, spec: undefined, plans: undefined };
}
