import type { Candidate, PipelineContext } from './context.js';
import type { FeatureLoader } from '../features/file-features.js';
import type { FeatureFault, LoadedFeatures } from '../features/redis-features.js';

/** What the features stage hands on: the context (the user's features are part of it) and debug notes. */
export interface LoadedStage {
  readonly ctx: PipelineContext;
  /** One line per feature and reason that fell back to a default (the request's debug trace). */
  readonly notes: string[];
}

/**
 * Faults of one request, grouped by store, feature and reason: one debug line each,
 * however many items share it, so a bad column does not flood the trace.
 */
class FaultNotes {
  readonly #groups = new Map<string, { store: string; fault: FeatureFault; ids: string[]; count: number }>();

  sink(store: 'user' | 'item'): (id: string, fault: FeatureFault) => void {
    return (id, fault) => {
      const key = `${store}\u0000${fault.feature}\u0000${fault.reason}`;
      const g = this.#groups.get(key);
      if (!g) this.#groups.set(key, { store, fault, ids: [id], count: 1 });
      else {
        g.count++;
        if (g.ids.length < 3) g.ids.push(id);
      }
    };
  }

  lines(): string[] {
    return [...this.#groups.values()].map(({ store, fault, ids, count }) => {
      const who = store === 'user' ? `user ${ids[0] ?? ''}` : `${count} item(s), e.g. ${ids.join(', ')}`;
      return `feature "${fault.feature}" (${store}): ${fault.reason}: ${fault.detail}; default used for ${who}`;
    });
  }
}

/**
 * The "features" stage: user loaders merge into the user's features, item loaders into
 * each candidate's `features`. Loaders run concurrently; the stage returns the new
 * context because the user's features are part of it.
 */
export async function loadFeatures(loaders: readonly FeatureLoader[], cands: Candidate[], ctx: PipelineContext): Promise<LoadedStage> {
  const user: LoadedFeatures = {};
  const faults = new FaultNotes();
  await Promise.all(
    loaders.map(async (l) => {
      if (l.store === 'user') {
        const [f] = await l.load([ctx.request.uid], faults.sink('user'), ctx);
        Object.assign(user, f);
        return;
      }
      const feats = await l.load(
        cands.map((c) => c.itemId),
        faults.sink('item'),
        ctx,
      );
      cands.forEach((c, i) => {
        c.features = Object.assign(c.features ?? {}, feats[i]);
      });
    }),
  );
  const notes = faults.lines();
  // Request features win over stored ones: the caller knows the current context best.
  return { ctx: Object.keys(user).length === 0 ? ctx : { ...ctx, userFeatures: { ...user, ...ctx.userFeatures } }, notes };
}
