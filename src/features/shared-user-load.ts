import type { FaultSink, FeatureLoader } from './file-features.js';
import type { FeatureFault, LoadedFeatures } from './redis-features.js';
import type { QueryScope } from '../store/sql-client.js';

/** One user's load in progress: its result, the faults it reported, and whose request it runs for. */
interface Flight {
  readonly result: Promise<LoadedFeatures[]>;
  readonly faults: (readonly [string, FeatureFault])[];
  readonly signal: AbortSignal | undefined;
}

/**
 * A user feature loader of a scene with `AsynLoadFeature`: the features stage starts the
 * user's load when the recall fan-out starts, and a recall source that reads the same
 * loader meanwhile (a VectorRecall whose user vector comes from loaded features) awaits
 * that load instead of reading the store a second time. Only single-id loads in flight
 * are shared; once settled, a later load reads for itself (the store's own cache serves
 * repeats). A load led by a request that was cancelled is not trusted by the others:
 * they read for themselves, so one client leaving never costs another its features.
 */
export class SharedUserLoader implements FeatureLoader {
  readonly #inner: FeatureLoader;
  readonly #flights = new Map<string, Flight>();

  constructor(inner: FeatureLoader) {
    this.#inner = inner;
  }

  get store(): 'user' | 'item' {
    return this.#inner.store;
  }

  /** Loads in flight (tests and debugging). */
  get inFlight(): number {
    return this.#flights.size;
  }

  load(ids: readonly string[], faults?: FaultSink, scope?: QueryScope): Promise<LoadedFeatures[]> {
    const id = ids.length === 1 ? ids[0] : undefined;
    if (id === undefined) return this.#inner.load(ids, faults, scope);
    const flight = this.#flights.get(id);
    if (flight && flight.signal?.aborted !== true) return this.#join(flight, ids, faults, scope);
    return this.#lead(id, ids, faults, scope);
  }

  #lead(id: string, ids: readonly string[], faults: FaultSink | undefined, scope: QueryScope | undefined): Promise<LoadedFeatures[]> {
    const recorded: (readonly [string, FeatureFault])[] = [];
    const result = this.#inner.load(
      ids,
      (who, fault) => {
        recorded.push([who, fault]);
        faults?.(who, fault);
      },
      scope,
    );
    const flight: Flight = { result, faults: recorded, signal: scope?.signal };
    this.#flights.set(id, flight);
    const done = (): void => {
      if (this.#flights.get(id) === flight) this.#flights.delete(id);
    };
    // The caller handles the result's failure; this branch only clears the entry.
    result.then(done, done);
    return result;
  }

  async #join(flight: Flight, ids: readonly string[], faults: FaultSink | undefined, scope: QueryScope | undefined): Promise<LoadedFeatures[]> {
    try {
      const r = await flight.result;
      if (flight.signal?.aborted !== true) {
        // The joiner's own trace names the values left out, as its own read would have.
        if (faults) for (const [who, fault] of flight.faults) faults(who, fault);
        return r;
      }
    } catch (err) {
      if (flight.signal?.aborted !== true) throw err;
    }
    // The leading request was cancelled while this one waited: what it got may be the defaults of an aborted read.
    return this.#inner.load(ids, faults, scope);
  }
}
