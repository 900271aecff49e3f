import { PairecError } from '../../errors.js';
import { signatureOf } from '../signature.js';
import type { AlgorithmTypeDef } from '../registry.js';
import { AnnConfSchema } from './config.js';
import { AnnAlgorithm } from './ann.js';
import { loadOrBuildHnsw } from './hnsw-index.js';

export { AnnAlgorithm } from './ann.js';
export type { AnnConf } from './config.js';

/** ANN (`AnnConf`): embedded HNSW retrieval over the catalog's item embeddings. */
export const annType: AlgorithmTypeDef<'retrieval', typeof AnnConfSchema> = {
  type: 'ANN',
  kind: 'retrieval',
  confKey: 'AnnConf',
  schema: AnnConfSchema,
  usesCatalog: true,
  create: async (name, conf, deps) => {
    const { catalog } = deps;
    if (!catalog) throw new PairecError('ERR_ALGORITHM_BUILD', `ANN "${name}" needs a catalog (CatalogConf)`);
    const cache = deps.cacheDir === undefined
      ? undefined
      : { dir: deps.cacheDir, key: signatureOf(catalog.signature, conf.Space, conf.M, conf.EfConstruction, conf.Seed) };
    const log = deps.logger.child({ algorithm: name });
    const index = await loadOrBuildHnsw(catalog.itemEmbeddings, catalog.dim, conf, cache, log, deps.signal);
    return new AnnAlgorithm(name, conf, index, catalog.itemIds, catalog.dim);
  },
};
