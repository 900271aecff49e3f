import type { AlgorithmKind } from '../algorithm/contract.js';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { ConfigVocabulary } from '../config/validate.js';
import { createDefaultPipelineTypes } from '../pipeline/types.js';
import type { PipelineTypes } from '../pipeline/types.js';

/** What a config may name: the registry's algorithm types plus the pipeline's recall, filter and sort types. */
export function builtinVocabulary(
  algorithms: AlgorithmRegistry,
  customAlgorithms: ReadonlyMap<string, AlgorithmKind> = new Map(),
  pipeline: PipelineTypes = createDefaultPipelineTypes(),
): ConfigVocabulary {
  return { algorithms, recallTypes: pipeline.recall, sortTypes: pipeline.sort, filterTypes: pipeline.filter, customAlgorithms };
}
