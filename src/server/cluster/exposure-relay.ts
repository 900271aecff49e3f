import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { MemoryExposureStore } from '../../store/exposure-store.js';
import type { MemoryExposureOptions } from '../../store/exposure-store.js';
import type { ExposureToWorker, SnapshotUser } from './exposure-messages.js';
import { isToPrimary } from './messages.js';

export interface ExposureRelayOptions {
  readonly logger: Logger;
  /** Bounds of the primary's copy, sent to every process for its own store. */
  readonly store: MemoryExposureOptions;
  /** How long a ready sibling may take to apply a relay before the callback is answered without it. */
  readonly ackTimeoutMs?: number;
}

export const RELAY_ACK_TIMEOUT_MS = 1000;
/** Snapshot chunk size: each is one IPC message, sent once the previous one is written. */
const SNAPSHOT_CHUNK_ENTRIES = 20_000;

interface PendingRelay {
  readonly origin: Worker;
  readonly originId: number;
  readonly due: Set<number>;
  readonly timer: NodeJS.Timeout;
}

/**
 * The primary's side of exposure sharing. The primary keeps an authoritative copy of the
 * in-memory exposures (the same bounded store) for as long as it runs, so a serving
 * process that restarts — or all of them at once — gets back everything acknowledged.
 *
 * A callback is acknowledged (`exposure-done`) once the primary holds the exposure and
 * every READY sibling applied it. Siblings still loading are sent it but not waited for:
 * they apply it before they report ready (their snapshot or the relay, merged by latest
 * time, whichever comes first). A sibling that dies owes nothing; one alive but silent
 * past `ackTimeoutMs` is logged and counted (`late`), never turned into an error: the
 * relay is queued on its channel and the primary's copy has the exposure anyway.
 */
export function startExposureRelay(opts: ExposureRelayOptions): MemoryExposureStore {
  const { logger } = opts;
  const store = new MemoryExposureStore(opts.store);
  const ackTimeoutMs = opts.ackTimeoutMs ?? RELAY_ACK_TIMEOUT_MS;
  /** Processes listening for relays (they asked for their snapshot). */
  const synced = new Set<number>();
  /** Processes that reported ready. */
  const ready = new Set<number>();
  const pending = new Map<number, PendingRelay>();
  let seq = 0;

  const tell = (w: Worker, m: ExposureToWorker, sent?: () => void): void => {
    if (!w.isConnected()) return;
    // A process dying while we write is its exit's business, not an error here.
    w.send(m, (err: Error | null) => {
      if (!err) sent?.();
    });
  };
  const finish = (id: number, late: number): void => {
    const r = pending.get(id);
    if (!r) return;
    pending.delete(id);
    clearTimeout(r.timer);
    tell(r.origin, { pairec: 'exposure-done', id: r.originId, late });
  };
  const owed = (workerId: number): void => {
    for (const [id, r] of pending) if (r.due.delete(workerId) && r.due.size === 0) finish(id, 0);
  };

  const relay = (origin: Worker, m: { id: number; uid: string; items: readonly string[]; at: number }): void => {
    store.merge(m.uid, m.items, m.at);
    const id = ++seq;
    const due = new Set<number>();
    for (const w of Object.values(cluster.workers ?? {})) {
      if (!w || w.id === origin.id || !synced.has(w.id) || !w.isConnected()) continue;
      tell(w, { pairec: 'exposure-apply', id, uid: m.uid, items: m.items, at: m.at });
      if (ready.has(w.id)) due.add(w.id);
    }
    if (due.size === 0) {
      tell(origin, { pairec: 'exposure-done', id: m.id, late: 0 });
      return;
    }
    const timer = setTimeout(() => {
      const r = pending.get(id);
      if (!r) return;
      const late = [...r.due].map((wid) => cluster.workers?.[wid]?.process.pid);
      logger.warn({ late, ackTimeoutMs }, 'a serving process did not apply an exposure relay in time; acknowledged without it');
      finish(id, r.due.size);
    }, ackTimeoutMs);
    pending.set(id, { origin, originId: m.id, due, timer });
  };

  /** Streams the copy to `w`, chunk by chunk; relays sent meanwhile are merged there too. */
  const sendSnapshot = (w: Worker): void => {
    const users = store.dump();
    let first = true;
    const next = (): void => {
      const chunk: SnapshotUser[] = [];
      let entries = 0;
      let it = users.next();
      while (!it.done) {
        chunk.push([it.value.uid, it.value.items, it.value.times]);
        entries += it.value.items.length + 1;
        if (entries >= SNAPSHOT_CHUNK_ENTRIES) break;
        it = users.next();
      }
      const last = it.done === true;
      tell(w, { pairec: 'exposure-snapshot', ...(first ? { options: opts.store } : {}), users: chunk, last }, last ? undefined : next);
      first = false;
    };
    next();
  };

  cluster.on('message', (w: Worker, m: unknown) => {
    if (!isToPrimary(m)) return;
    switch (m.pairec) {
      case 'exposure-sync':
        synced.add(w.id);
        sendSnapshot(w);
        break;
      case 'exposure':
        relay(w, m);
        break;
      case 'exposure-ack': {
        const r = pending.get(m.id);
        if (r?.due.delete(w.id) && r.due.size === 0) finish(m.id, 0);
        break;
      }
      case 'state':
        if (m.ready) ready.add(w.id);
        else {
          ready.delete(w.id);
          owed(w.id);
        }
        break;
    }
  });
  // A process that died (or whose channel closed) owes no acknowledgement.
  const gone = (w: Worker): void => {
    synced.delete(w.id);
    ready.delete(w.id);
    owed(w.id);
  };
  cluster.on('disconnect', gone);
  cluster.on('exit', gone);
  logger.info({ maxBytes: opts.store.maxBytes }, 'exposure copy kept by the cluster primary');
  return store;
}
