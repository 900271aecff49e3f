import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { MemoryExposureStore } from '../../store/exposure-store.js';
import type { MemoryExposureOptions } from '../../store/exposure-store.js';
import { EXPOSURE_RELAY_LATE_METRIC } from '../../store/exposure-metrics.js';
import { PairecError } from '../../errors.js';
import type { ExposureToPrimary } from './exposure-messages.js';
import { isToWorker } from './messages.js';
import { sendToPrimary } from './worker.js';

/** A callback waits this long for the primary (which itself waits at most RELAY_ACK_TIMEOUT_MS for siblings). */
export const SHARE_TIMEOUT_MS = 5000;
/** How long a starting process waits for the primary's snapshot before starting empty. */
export const SNAPSHOT_TIMEOUT_MS = 30_000;
/** Relays kept while the store does not exist yet (the primary sends the snapshot first, so normally none). */
const MAX_EARLY_RELAYS = 10_000;

export interface ExposureSync {
  /**
   * The process's exposure store, holding the primary's copy: resolves once the whole
   * snapshot is merged (the engine awaits it before its first config serves).
   * `fallback` bounds a store of its own if the primary never answers.
   */
  store(fallback: MemoryExposureOptions): Promise<MemoryExposureStore>;
  /** Hands a callback's exposures to the primary; resolves when it and every ready sibling hold them. */
  share(uid: string, items: readonly string[], at: number): Promise<void>;
  /** Logs and counts from now on (the logger and registry exist once the server started). */
  bind(logger: Logger, registry: Registry): void;
}

/**
 * The serving process's side of exposure sharing (exposure-relay.ts is the primary's).
 * Asks for the primary's copy when the engine makes its store, merges every snapshot
 * chunk and relay into it (by latest time: a relay crossing the snapshot is harmless),
 * acknowledges relays, and sends this process's callbacks to the primary.
 */
export function joinExposureSync(): ExposureSync {
  let logger: Logger | undefined;
  let late = 0;
  let dropped = 0;
  let current: MemoryExposureStore | undefined;
  const early: { uid: string; items: readonly string[]; at: number }[] = [];
  let synced: ((s: MemoryExposureStore) => void) | undefined;
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let next = 1;
  const send = (m: ExposureToPrimary): void => sendToPrimary(m);

  const create = (options: MemoryExposureOptions): MemoryExposureStore => {
    const s = new MemoryExposureStore(options);
    for (const r of early.splice(0)) s.merge(r.uid, r.items, r.at);
    current = s;
    return s;
  };

  process.on('message', (m: unknown) => {
    if (!isToWorker(m)) return;
    switch (m.pairec) {
      case 'exposure-snapshot': {
        const s = current ?? (m.options ? create(m.options) : undefined);
        if (!s) break; // a snapshot for a store given up on (SNAPSHOT_TIMEOUT_MS)
        for (const [uid, items, times] of m.users) s.merge(uid, items, times);
        if (m.last) synced?.(s);
        break;
      }
      case 'exposure-apply':
        if (current) current.merge(m.uid, m.items, m.at);
        else if (early.length < MAX_EARLY_RELAYS) early.push({ uid: m.uid, items: m.items, at: m.at });
        else if (dropped++ === 0)
          logger?.error(
            { buffered: MAX_EARLY_RELAYS },
            'exposure relays arrived before the store existed and overflowed its buffer; later ones are dropped here',
          );
        send({ pairec: 'exposure-ack', id: m.id });
        break;
      case 'exposure-done': {
        const w = waiting.get(m.id);
        if (!w) break;
        waiting.delete(m.id);
        clearTimeout(w.timer);
        late += m.late;
        w.resolve();
        break;
      }
    }
  });

  return {
    store: (fallback) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          synced = undefined;
          logger?.error({ timeoutMs: SNAPSHOT_TIMEOUT_MS }, 'no exposure snapshot from the cluster primary; starting with this process’s exposures only');
          resolve(current ?? create(fallback));
        }, SNAPSHOT_TIMEOUT_MS);
        synced = (s) => {
          clearTimeout(timer);
          synced = undefined;
          logger?.info({ users: s.users, bytes: s.bytes }, 'exposures synced from the cluster primary');
          resolve(s);
        };
        send({ pairec: 'exposure-sync' });
      }),
    share: (uid, items, at) =>
      new Promise((resolve, reject) => {
        const id = next++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          logger?.error({ timeoutMs: SHARE_TIMEOUT_MS }, 'the cluster primary did not confirm an exposure');
          reject(new PairecError('ERR_EXPOSURE_NOT_SHARED', 'the cluster primary did not confirm the exposure in time; send it again'));
        }, SHARE_TIMEOUT_MS);
        waiting.set(id, { resolve, reject, timer });
        send({ pairec: 'exposure', id, uid, items, at });
      }),
    bind: (l, registry) => {
      logger = l;
      if (registry.getSingleMetric(EXPOSURE_RELAY_LATE_METRIC)) return;
      let counted = 0;
      new Counter({
        name: EXPOSURE_RELAY_LATE_METRIC,
        help: 'Exposure relays a ready sibling process did not apply within the bound: the callback was acknowledged without waiting for it',
        registers: [registry],
        collect() {
          if (late > counted) this.inc(late - counted);
          counted = late;
        },
      });
    },
  };
}
