import { PairecError } from '../../errors.js';
import type { Candidate } from '../context.js';
import { Type } from '@sinclair/typebox';
import { defineRecallType } from './recall.js';
import { UserEmbeddingConfSchema, userVectorPlan } from './user-vector.js';

/**
 * VectorRecall: the user's vector → the named retrieval algorithm (embedded ANN, FAISS,
 * Milvus: switching backend is a change of AlgoName's algorithm). The vector comes from
 * UserEmbedding (recall/user-vector.ts): the request, the catalog's user row or loaded
 * user features. A user with none gets nothing from this source (reason
 * `no_user_vector`); other sources and the scene's back-fill still answer.
 */
export const vectorRecall = defineRecallType(
  {
    /** Where the user's query vector comes from (UserEmbeddingConfSchema). */
    UserEmbedding: Type.Optional(UserEmbeddingConfSchema),
  },
  {
    type: 'VectorRecall',
    algorithmKind: 'retrieval',
    // The embedded ANN needs the catalog (it says so itself); FAISS or Milvus searched with
    // the request's or a feature store's vector do not, unless the vector is the catalog's user row.
    usesCatalog: false,
    readsCatalog: (conf) => conf.UserEmbedding?.From === 'catalog',
    create: (conf, env) => {
      const algoName = conf.AlgoName ?? '';
      const plan = userVectorPlan(algoName, conf.UserEmbedding, env.catalog, env.userVectors ?? {});
      return {
        name: conf.Name,
        recall: async (ctx) => {
          const { catalog } = ctx;
          const found = plan.find(ctx);
          const vector = found instanceof Float32Array ? found : await found;
          const algo = ctx.algorithms.get(algoName, 'retrieval');
          const [hits] = await algo.run({ vectors: [vector], k: conf.RecallCount }, ctx);
          if (!hits) throw new PairecError('ERR_ALGORITHM_INPUT', `"${algoName}" returned no result for the query`);
          const out: Candidate[] = new Array<Candidate>(hits.ids.length);
          // Rows straight from an index over this very catalog; otherwise looked up by id.
          const rows = catalog && hits.rows?.catalog === catalog.signature ? hits.rows.rows : undefined;
          for (let i = 0; i < hits.ids.length; i++) {
            const itemId = hits.ids[i] ?? '';
            const s = hits.scores[i] ?? 0;
            out[i] = { itemId, row: rows?.[i] ?? catalog?.itemIndex(itemId) ?? -1, retrieveId: conf.Name, recallScore: s, score: s };
          }
          return out;
        },
      };
    },
  },
);
