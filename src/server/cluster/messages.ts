import type { ExposureToPrimary, ExposureToWorker } from './exposure-messages.js';

/**
 * Messages between the cluster primary and its serving processes (node:cluster IPC).
 * Every message carries `pairec` so prom-client's own cluster messages pass untouched.
 */
export type ToPrimary =
  /** `ready: false` once the process accepts connections (loading), `true` once loaded. */
  | { readonly pairec: 'state'; readonly ready: boolean }
  | ExposureToPrimary
  /** The process cannot serve (its initial config failed to load) and is about to exit. */
  | { readonly pairec: 'failed'; readonly reason: string }
  /** A connection handed over with `connection` was taken (or refused: the process is closing). */
  | { readonly pairec: 'connection-ack'; readonly id: number; readonly accepted: boolean }
  | { readonly pairec: 'metrics'; readonly id: number };

export type ToWorker =
  | { readonly pairec: 'cluster-ready'; readonly ready: boolean }
  | ExposureToWorker
  /** Sent with a client socket as the handle; answered by `connection-ack`. */
  | { readonly pairec: 'connection'; readonly id: number }
  | { readonly pairec: 'metrics-reply'; readonly id: number; readonly text?: string; readonly error?: string };

const isObject = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;
export const isToPrimary = (m: unknown): m is ToPrimary => isObject(m) && typeof m.pairec === 'string';
export const isToWorker = (m: unknown): m is ToWorker => isObject(m) && typeof m.pairec === 'string';

/** What a serving process asks of its siblings; absent when it serves alone. */
export interface Peers {
  /** Every sibling has loaded its config (a process's /ready also needs this). */
  readonly ready: boolean;
  /** The whole cluster's /metrics text (counters and histograms summed over processes). */
  metrics(): Promise<string>;
  /** Records exposures in the primary's copy and every ready sibling's store (exposure-sync.ts). */
  shareExposure(uid: string, items: readonly string[], at: number): Promise<void>;
}
