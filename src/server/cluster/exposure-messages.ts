import type { MemoryExposureOptions } from '../../store/exposure-store.js';

/**
 * The exposure messages between the cluster primary and its serving processes
 * (exposure-relay.ts, exposure-sync.ts); part of messages.ts's unions.
 *
 * A process sends `exposure-sync` once it listens for relays; the primary answers with its
 * whole copy as `exposure-snapshot` chunks (the first carries the store's bounds, the
 * last says so) and from then on relays it every exposure recorded by a sibling.
 */
export type ExposureToPrimary =
  /** A callback recorded exposures here; answered by `exposure-done` with the same id. */
  | { readonly pairec: 'exposure'; readonly id: number; readonly uid: string; readonly items: readonly string[]; readonly at: number }
  | { readonly pairec: 'exposure-sync' }
  /** A relay (`exposure-apply`) is applied. */
  | { readonly pairec: 'exposure-ack'; readonly id: number };

/** One user in a snapshot: uid, items and their times (oldest first). */
export type SnapshotUser = readonly [string, readonly string[], readonly number[]];

export type ExposureToWorker =
  | { readonly pairec: 'exposure-apply'; readonly id: number; readonly uid: string; readonly items: readonly string[]; readonly at: number }
  /** The primary holds the exposure and every ready sibling applied it; `late` ready siblings did not answer in time. */
  | { readonly pairec: 'exposure-done'; readonly id: number; readonly late: number }
  | { readonly pairec: 'exposure-snapshot'; readonly options?: MemoryExposureOptions; readonly users: readonly SnapshotUser[]; readonly last: boolean };
