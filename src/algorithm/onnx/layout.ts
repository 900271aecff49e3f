import type { FeatureRef, FeatureSpec } from '../feature-spec.js';
import { specWidth } from '../feature-spec.js';
import type { OnnxConf, OnnxInput } from './config.js';

/** What the layout check needs to know of a model input (from the session's metadata). */
export interface DeclaredInput {
  readonly name: string;
  /** onnxruntime's element type: `float32`, `int64`, … */
  readonly type: string;
  /** Declared shape; a symbolic or unknown dimension is a string or -1. */
  readonly shape: readonly (number | string)[];
}

export type InputType = 'float32' | 'int64';

/** One model input as fed: its features, element type, and the tensor's shape after the first dimension. */
export interface InputPlan {
  readonly name: string;
  readonly type: InputType;
  readonly spec: FeatureSpec;
  /** Values per row: the spec's width. */
  readonly width: number;
  /** One row per item ([n, ...]); false: one user row fed as [1, ...], broadcast by the model. */
  readonly perRow: boolean;
  /** The shape after the first dimension (its product is `width`). */
  readonly dims: readonly number[];
}

/** JSON path of an algorithm's OnnxConf in the config, for messages. */
export const confPath = (algorithm: string): string => `$.AlgoConfs[?(@.Name==${JSON.stringify(algorithm)})].OnnxConf`;

/** The JSON path of an input's layout in the config, for messages. */
const where = (base: string, name: string, legacy: boolean): string =>
  legacy ? `${base}.Features (input "${name}")` : `${base}.Inputs[${JSON.stringify(name)}]`;

/** Feature refs with the schema's defaults (Ajv leaves them out inside a record). */
const refsOf = (refs: readonly FeatureRef[] | undefined): FeatureRef[] => (refs ?? []).map((r) => ({ Name: r.Name, Dim: r.Dim ?? 1, Default: r.Default ?? 0 }));

/**
 * The layout a config declares, by input name: `Inputs` as written, or the one-input
 * `Features` (with `UserInputName`, its user part on that input and the item part on the
 * other). Returns which inputs must take the user once ([1, W]) whatever the model declares.
 */
function declaredLayout(
  conf: Pick<OnnxConf, 'Inputs' | 'Features' | 'InputName' | 'UserInputName'>,
  model: readonly DeclaredInput[],
  base: string,
): { layout: Map<string, OnnxInput>; legacy: boolean } {
  if (conf.Inputs !== undefined) {
    if (conf.Features !== undefined || conf.InputName !== undefined || conf.UserInputName !== undefined) {
      throw new Error(`${base}.Inputs replaces Features, InputName and UserInputName: set one or the other`);
    }
    return { layout: new Map(Object.entries(conf.Inputs)), legacy: false };
  }
  const features = conf.Features;
  if (features === undefined) throw new Error(`${base} needs Inputs (each model input by name) or Features (a one-input model)`);
  const names = model.map((m) => m.name);
  const user = conf.UserInputName;
  if (user !== undefined && !names.includes(user)) throw new Error(`${base}.UserInputName: the model has no input "${user}" (inputs: ${names.join(', ')})`);
  const main = conf.InputName ?? names.find((n) => n !== user);
  if (main === undefined || !names.includes(main)) throw new Error(`${base}.InputName: the model has no input "${String(main)}" (inputs: ${names.join(', ')})`);
  if (user === undefined) return { layout: new Map([[main, { User: features.User, Item: features.Item }]]), legacy: true };
  return {
    layout: new Map([
      [user, { User: features.User, Item: [] }],
      [main, { User: [], Item: features.Item }],
    ]),
    legacy: true,
  };
}

/**
 * Checks a config's layout against the model's declared inputs and answers how each is
 * fed. Throws, naming the config key and the input, when an input is unknown, left unfed,
 * of a type that cannot be fed, or of a declared width the features do not fill.
 */
export function planInputs(
  conf: Pick<OnnxConf, 'Inputs' | 'Features' | 'InputName' | 'UserInputName'>,
  model: readonly DeclaredInput[],
  base = 'OnnxConf',
): InputPlan[] {
  const { layout, legacy } = declaredLayout(conf, model, base);
  const names = model.map((m) => m.name);
  for (const name of layout.keys()) {
    if (!names.includes(name)) throw new Error(`${where(base, name, legacy)}: the model has no input "${name}" (inputs: ${names.join(', ')})`);
  }
  const plans: InputPlan[] = [];
  for (const declared of model) {
    const entry = layout.get(declared.name);
    if (entry === undefined) {
      throw new Error(
        `${base}${legacy ? '' : '.Inputs'}: model input "${declared.name}" is not fed: list it under OnnxConf.Inputs with its features (configured: ${[...layout.keys()].join(', ')})`,
      );
    }
    const at = where(base, declared.name, legacy);
    if (declared.type !== 'float32' && declared.type !== 'int64') {
      throw new Error(`${at}: input "${declared.name}" takes ${declared.type}; only float32 and int64 inputs can be fed`);
    }
    const spec: FeatureSpec = { User: refsOf(entry.User), Item: refsOf(entry.Item) };
    const width = specWidth(spec);
    if (width === 0) throw new Error(`${at}: lists no feature for input "${declared.name}"`);
    const rest = declared.shape.slice(1);
    if (declared.shape.length === 0) throw new Error(`${at}: input "${declared.name}" is a scalar; only [N, ...] inputs can be fed`);
    const fixed = rest.every((d): d is number => typeof d === 'number' && d > 0);
    const declaredWidth = fixed ? rest.reduce((a, b) => a * b, 1) : undefined;
    if (declaredWidth !== undefined && declaredWidth !== width) {
      throw new Error(`${at}: the features fill ${width} values per row but input "${declared.name}" takes ${declaredWidth} ([${declared.shape.join(', ')}])`);
    }
    const dims = fixed ? (rest as number[]) : [width];
    // A user-only input: fed once when the model broadcasts it, else repeated per item.
    const userOnly = spec.Item.length === 0;
    const broadcast = userOnly && declared.shape[0] === 1;
    plans.push({ name: declared.name, type: declared.type, spec, width, perRow: !broadcast, dims });
  }
  return plans;
}

/** Every item feature the plans read (for the pipeline's feature loading). */
export function planItemFeatures(plans: readonly InputPlan[]): string[] {
  return [...new Set(plans.flatMap((p) => p.spec.Item.map((r) => r.Name)))];
}
