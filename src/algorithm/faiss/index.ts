import type { AlgorithmTypeDef } from '../registry.js';
import { VectorConfSchema } from './config.js';
import { FaissAlgorithm } from './faiss.js';
import { ChannelPool } from './channel-pool.js';
import { DEFAULT_BACKEND_GUARD } from '../middleware/backend-guard.js';

export { FaissAlgorithm } from './faiss.js';
export type { VectorConf } from './config.js';

/**
 * FAISS (`VectorConf`): remote retrieval over PaiRec's Faiss-Server protocol. Building
 * does not wait for the server: channels connect lazily and reconnect on their own, so
 * a server that is down at start only fails the calls made while it is down.
 */
export const faissType: AlgorithmTypeDef<'retrieval', typeof VectorConfSchema> = {
  type: 'FAISS',
  kind: 'retrieval',
  remote: true,
  endpoint: (conf) => conf.ServerAddress,
  confKey: 'VectorConf',
  schema: VectorConfSchema,
  create: (name, conf, deps) =>
    Promise.resolve(
      new FaissAlgorithm(name, conf, new ChannelPool(conf.ServerAddress, conf.PoolSize, conf.MaxReconnectBackoff), deps.metrics.pools, {
        percent: deps.optimization?.retry_budget_percent ?? DEFAULT_BACKEND_GUARD.retry_budget_percent,
        minConcurrency: deps.optimization?.retry_budget_min_concurrency ?? DEFAULT_BACKEND_GUARD.retry_budget_min_concurrency,
      }),
    ),
};
