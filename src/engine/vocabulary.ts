import type { AlgorithmKind } from '../algorithm/contract.js';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { ConfigVocabulary } from '../config/validate.js';
import { RECALL_TYPES } from '../pipeline/recall/index.js';
import { SORT_TYPES } from '../pipeline/sort/index.js';
import { FILTER_TYPES } from '../pipeline/filter/index.js';

/** What a config may name: the registry's algorithm types plus the built-in pipeline stage types. */
export function builtinVocabulary(
  algorithms: AlgorithmRegistry,
  customAlgorithms: ReadonlyMap<string, AlgorithmKind> = new Map(),
): ConfigVocabulary {
  return {
    algorithms,
    recallTypes: RECALL_TYPES,
    sortTypes: new Set(SORT_TYPES.keys()),
    filterTypes: new Set(FILTER_TYPES.keys()),
    customAlgorithms,
  };
}
