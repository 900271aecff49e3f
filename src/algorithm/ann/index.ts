import { PairecError } from '../../errors.js';
import { signatureOf } from '../signature.js';
import type { AlgorithmTypeDef } from '../registry.js';
import { indexCacheDir, loadOrBuildIndex } from '../../vector/vector-index.js';
import { AnnConfSchema, indexSpec, searchEffort } from './config.js';
import { AnnAlgorithm } from './ann.js';

export { AnnAlgorithm } from './ann.js';
export type { AnnConf } from './config.js';

/** ANN (`AnnConf`): embedded HNSW, IVF or exact retrieval over the catalog's item embeddings. */
export const annType: AlgorithmTypeDef<'retrieval', typeof AnnConfSchema> = {
  type: 'ANN',
  kind: 'retrieval',
  confKey: 'AnnConf',
  schema: AnnConfSchema,
  usesCatalog: true,
  create: async (name, conf, deps) => {
    const { catalog } = deps;
    if (!catalog) throw new PairecError('ERR_ALGORITHM_BUILD', `ANN "${name}" needs a catalog (CatalogConf)`);
    const spec = indexSpec(conf);
    const cache = deps.cacheDir === undefined ? undefined : { dir: deps.cacheDir, key: signatureOf(catalog.signature, spec) };
    const log = deps.logger.child({ algorithm: name });
    const index = await loadOrBuildIndex(spec, catalog.itemEmbeddings, catalog.dim, cache, log, deps.signal);
    if (cache) deps.usesCacheFolder?.(name, indexCacheDir(cache, spec.kind));
    // An index that keeps its own copy in search order (IVF) lends it to the catalog, so a
    // model copies the rows the search has just scanned from warm memory: ≈ 3 × cheaper
    // than from the catalog's matrix (cold rows) in a micro-benchmark.
    const layout = index.layout?.();
    if (layout) catalog.useEmbeddingLayout(layout);
    return new AnnAlgorithm(name, index, catalog.itemIds, searchEffort(conf), catalog.signature);
  },
};
