import type { FeatureMap } from '../contract.js';
import { assembleRows, specWidth } from '../feature-spec.js';
import type { FeatureSpec } from '../feature-spec.js';
import type { Rows } from '../../wire/tensors.js';

/** Input rows of a tensor protocol, assembled by the same feature spec as in process. */
export function rowsOf(spec: FeatureSpec, user: FeatureMap | readonly FeatureMap[] | undefined, items: readonly FeatureMap[]): Rows {
  const width = specWidth(spec);
  const data = new Float32Array(items.length * width);
  assembleRows(spec, user, items, data);
  return { data, count: items.length, width };
}
