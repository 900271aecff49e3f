import { PairecError } from '../../errors.js';
import type { Candidate } from '../context.js';
import type { FilterTypeDef } from './index.js';
import { drawFront } from './adjust-count.js';

/**
 * PriorityAdjustCountFilter (PaiRec): candidates by score, best first (ties in random
 * order), grouped by the recall that produced them; then AdjustCountConfs in order: a
 * "fix" entry adds up to Count of its recall, an "accumulator" entry adds of its recall
 * until the accumulator entries so far have added Count. Candidates of a recall no entry
 * names are dropped, as in PaiRec. (Config load refuses a recall named twice and
 * EnsureDiversity, config/pipeline-references.ts.)
 */
export const priorityAdjustCountFilter: FilterTypeDef = {
  type: 'PriorityAdjustCountFilter',
  create: (conf) => {
    const entries = conf.AdjustCountConfs;
    if (!entries) throw new PairecError('ERR_INTERNAL', `unvalidated PriorityAdjustCountFilter "${conf.Name}"`);
    return (candidates) => {
      // Shuffled, then stably sorted: score ties come in random order, as PaiRec's shuffle-then-sort gives.
      const ordered = candidates.slice();
      drawFront(ordered, ordered.length, Math.random);
      ordered.sort((a, b) => b.score - a.score);
      const byRecall = new Map<string, Candidate[]>();
      for (const c of ordered) {
        const list = byRecall.get(c.retrieveId);
        if (list) list.push(c);
        else byRecall.set(c.retrieveId, [c]);
      }
      const out: Candidate[] = [];
      let accumulated = 0;
      for (const e of entries) {
        const list = byRecall.get(e.RecallName) ?? [];
        if (e.Type === 'fix') {
          out.push(...list.slice(0, e.Count));
        } else {
          const take = list.slice(0, Math.max(0, e.Count - accumulated));
          out.push(...take);
          accumulated += take.length;
        }
      }
      return out;
    };
  },
  explain: (conf) => {
    const named = new Set((conf.AdjustCountConfs ?? []).map((e) => e.RecallName));
    return (c) => (named.has(c.retrieveId) ? 'beyond its recall\'s count in AdjustCountConfs' : `recall "${c.retrieveId}" is not in AdjustCountConfs`);
  },
};
