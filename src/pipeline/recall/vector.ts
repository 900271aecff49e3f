import { PairecError } from '../../errors.js';
import type { Candidate } from '../context.js';
import type { RecallTypeDef } from './recall.js';

/**
 * VectorRecall: the user's embedding → the named retrieval algorithm (embedded ANN,
 * FAISS, Milvus: switching backend is a change of AlgoName's algorithm). A user with no
 * embedding gets nothing from this source; other sources still answer.
 */
export const vectorRecall: RecallTypeDef = {
  type: 'VectorRecall',
  algorithmKind: 'retrieval',
  usesCatalog: true,
  create: (conf) => {
    const algoName = conf.AlgoName ?? '';
    return {
      name: conf.Name,
      recall: async (ctx) => {
        const { catalog } = ctx;
        const row = catalog?.userIndex(ctx.request.uid);
        if (!catalog || row === undefined) return [];
        const algo = ctx.algorithms.get(algoName, 'retrieval');
        const [hits] = await algo.run({ vectors: [catalog.userVector(row)], k: conf.RecallCount }, ctx);
        if (!hits) throw new PairecError('ERR_ALGORITHM_INPUT', `"${algoName}" returned no result for the query`);
        const out: Candidate[] = new Array<Candidate>(hits.ids.length);
        // Rows straight from an index over this very catalog; otherwise looked up by id.
        const rows = hits.rows?.catalog === catalog.signature ? hits.rows.rows : undefined;
        for (let i = 0; i < hits.ids.length; i++) {
          const itemId = hits.ids[i] ?? '';
          const s = hits.scores[i] ?? 0;
          out[i] = { itemId, row: rows?.[i] ?? catalog.itemIndex(itemId) ?? -1, retrieveId: conf.Name, recallScore: s, score: s };
        }
        return out;
      },
    };
  },
};
