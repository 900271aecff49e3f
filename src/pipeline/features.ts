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
export class FaultNotes {
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

/** The user loaders of one request, started (AsynLoadFeature: when the recall fan-out starts). */
export interface UserFeatureLoad {
  /** Each user loader's features, in the scene's loader order. */
  readonly results: Promise<readonly LoadedFeatures[]>;
  readonly faults: FaultNotes;
}

/**
 * Starts the scene's user loaders for the request. They need only the uid, so a scene
 * with AsynLoadFeature runs them beside recall instead of after it; the features stage
 * awaits this same load. A request that ends before its features stage drops the result.
 */
export function startUserFeatures(loaders: readonly FeatureLoader[], ctx: PipelineContext): UserFeatureLoad {
  const faults = new FaultNotes();
  const sink = faults.sink('user');
  const results = Promise.all(loaders.filter((l) => l.store === 'user').map(async (l) => (await l.load([ctx.request.uid], sink, ctx))[0] ?? {}));
  // Awaited by the features stage; a request answered before it (fallback, deadline) must not leave an unhandled rejection.
  results.catch(() => undefined);
  return { results, faults };
}

/**
 * The "features" stage: user loaders merge into the user's features, item loaders into
 * each candidate's `features`. Loaders run concurrently (the user's may have started with
 * recall: `started`); their results merge in the scene's loader order, so a field two
 * loaders both hold takes the later loader's value, as PaiRec's loaders applied one after
 * the other do, whichever answers first. The stage returns the new context because the
 * user's features are part of it.
 */
export async function loadFeatures(
  loaders: readonly FeatureLoader[],
  cands: Candidate[],
  ctx: PipelineContext,
  started?: UserFeatureLoad,
): Promise<LoadedStage> {
  const { results: userResults, faults } = started ?? startUserFeatures(loaders, ctx);
  const itemSink = faults.sink('item');
  const ids = cands.map((c) => c.itemId);
  const [users, items] = await Promise.all([userResults, Promise.all(loaders.filter((l) => l.store === 'item').map((l) => l.load(ids, itemSink, ctx)))]);
  const user: LoadedFeatures = Object.assign({}, ...users) as LoadedFeatures;
  for (const feats of items) {
    cands.forEach((c, i) => {
      c.features = Object.assign(c.features ?? {}, feats[i]);
    });
  }
  const notes = faults.lines();
  // Request features win over stored ones: the caller knows the current context best.
  return { ctx: Object.keys(user).length === 0 ? ctx : { ...ctx, userFeatures: { ...user, ...ctx.userFeatures } }, notes };
}
