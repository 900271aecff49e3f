import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { NameSchema, strict } from '../../config/pipeline-schema.js';
import type { Candidate } from '../context.js';
import { defineFilterType } from './filter.js';
import { drawFront } from './adjust-count.js';

/** PaiRec's AdjustCountConfig: PriorityAdjustCountFilter takes up to Count items of RecallName. */
export const AdjustCountConfSchema = Type.Object(
  {
    RecallName: NameSchema,
    Count: Type.Integer({ minimum: 1, maximum: 100_000 }),
    /** "fix": up to Count of this recall; "accumulator": until the accumulator entries so far hold Count. */
    Type: Type.Union([Type.Literal('fix'), Type.Literal('accumulator')], { default: 'accumulator' }),
  },
  strict,
);
export type AdjustCountConf = Static<typeof AdjustCountConfSchema>;

/**
 * PriorityAdjustCountFilter (PaiRec): candidates by score, best first (ties in random
 * order), grouped by the recall that produced them; then AdjustCountConfs in order: a
 * "fix" entry adds up to Count of its recall, an "accumulator" entry adds of its recall
 * until the accumulator entries so far have added Count. Candidates of a recall no entry
 * names are dropped, as in PaiRec. (Config load refuses a recall named twice and
 * EnsureDiversity: `check`.)
 */
export const priorityAdjustCountFilter = defineFilterType(
  {
    /** Per recall, in order, how many candidates it contributes. */
    AdjustCountConfs: Type.Array(AdjustCountConfSchema, { minItems: 1, maxItems: 64 }),
    /** PaiRec's diversity quota needs its DiversityDaoConf, which is not supported (only false). */
    EnsureDiversity: Type.Optional(Type.Boolean()),
  },
  {
    type: 'PriorityAdjustCountFilter',
    // Every entry names a configured recall, once (PaiRec would take the same items twice).
    check: (conf, ctx) => {
      if (conf.EnsureDiversity)
        ctx.problem(`${ctx.at}.EnsureDiversity`, "not supported: it needs PaiRec's DiversityDaoConf; use DiversityRuleSort for diversity");
      const seen = new Set<string>();
      conf.AdjustCountConfs.forEach((c, j) => {
        const path = `${ctx.at}.AdjustCountConfs[${j}].RecallName`;
        if (!ctx.recalls.has(c.RecallName)) ctx.problem(path, `no recall named "${c.RecallName}" in RecallConfs`);
        else if (seen.has(c.RecallName)) ctx.problem(path, `"${c.RecallName}" is named twice: each recall contributes once`);
        seen.add(c.RecallName);
      });
    },
    create: (conf) => {
      const entries = conf.AdjustCountConfs;
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
      const named = new Set(conf.AdjustCountConfs.map((e) => e.RecallName));
      return (c) => (named.has(c.retrieveId) ? "beyond its recall's count in AdjustCountConfs" : `recall "${c.retrieveId}" is not in AdjustCountConfs`);
    },
  },
);
