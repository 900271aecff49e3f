import { performance } from 'node:perf_hooks';
import { createCatalog } from '../../src/catalog/catalog.js';
import type { Catalog, Features } from '../../src/catalog/catalog.js';
import type { AlgorithmSet } from '../../src/algorithm/algorithm-set.js';
import type { Candidate, PipelineContext } from '../../src/pipeline/context.js';

/** A catalog of the given item features (ids "1".."N", 2-d zero embeddings, no users). */
export function tinyCatalog(features: readonly Features[]): Catalog {
  return createCatalog(
    {
      dim: 2,
      itemIds: features.map((_, i) => String(i + 1)),
      itemEmbeddings: new Float32Array(features.length * 2),
      itemFeatures: features,
      userIds: [],
      userEmbeddings: new Float32Array(0),
    },
    'tiny',
  );
}

/** A pipeline context for stage tests: no algorithms, the given catalog and user. */
export function stageContext(catalog: Catalog | undefined, uid = 'u1', size = 10): PipelineContext {
  return {
    deadline: performance.now() + 5000,
    signal: new AbortController().signal,
    request: { requestId: 'r', uid, size, sceneId: 's', category: 'default', features: {}, debug: false },
    catalog,
    algorithms: undefined as unknown as AlgorithmSet,
    itemFeatures: () => ({}),
    userFeatures: {},
  };
}

/** Candidates for every catalog row (score = given or descending), from `retrieveId`. */
export function candidatesOf(catalog: Catalog, retrieveId = 'r1', scores?: readonly number[]): Candidate[] {
  return catalog.itemIds.map((itemId, row) => {
    const s = scores?.[row] ?? catalog.itemIds.length - row;
    return { itemId, row, retrieveId, recallScore: s, score: s };
  });
}
