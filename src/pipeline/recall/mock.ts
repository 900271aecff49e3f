import type { Candidate } from '../context.js';
import type { RecallTypeDef } from './recall.js';

/**
 * MockRecall (PaiRec): RecallCount made-up items per request — random 32-bit ids as
 * strings, random scores in [0, 1) — for trying a pipeline before any data source is
 * wired. The ids are not catalog items (row -1): filters that need an item's state drop
 * them, and `debug` shows them under the recall's name.
 */
export const mockRecall: RecallTypeDef = {
  type: 'MockRecall',
  create: (conf) => ({
    name: conf.Name,
    recall: () => {
      const out: Candidate[] = new Array<Candidate>(conf.RecallCount);
      for (let i = 0; i < conf.RecallCount; i++) {
        const score = Math.random();
        out[i] = { itemId: String(Math.floor(Math.random() * 2 ** 32)), row: -1, retrieveId: conf.Name, recallScore: score, score };
      }
      return Promise.resolve(out);
    },
  }),
};
