import { TypeRegistry } from '../types/type-registry.js';
import type { RecallTypeDef } from './recall/recall.js';
import type { FilterTypeDef } from './filter/filter.js';
import type { SortTypeDef } from './sort/sort.js';
import { RECALL_TYPES } from './recall/index.js';
import { FILTER_TYPES } from './filter/index.js';
import { SORT_TYPES } from './sort/index.js';

/**
 * The recall, filter and sort types a config may name, one registry per kind (the shape
 * the algorithm types use too). An engine is given one (Engine options `pipelineTypes`);
 * a custom type is one definition registered here before the config loads.
 */
export interface PipelineTypes {
  readonly recall: TypeRegistry<RecallTypeDef>;
  readonly filter: TypeRegistry<FilterTypeDef>;
  readonly sort: TypeRegistry<SortTypeDef>;
}

/** Registries holding every built-in recall, filter and sort type; each call returns fresh ones. */
export function createDefaultPipelineTypes(): PipelineTypes {
  return {
    recall: new TypeRegistry('recall type', RECALL_TYPES.values()),
    filter: new TypeRegistry('filter type', FILTER_TYPES.values()),
    sort: new TypeRegistry('sort type', SORT_TYPES.values()),
  };
}
