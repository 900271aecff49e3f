import { AggregatorRegistry } from 'prom-client';
import type { Registry } from 'prom-client';
import { isToWorker } from './messages.js';
import { sharedResult } from './shared-result.js';
import { METRICS_CACHE_MS } from './cluster-metrics.js';
import type { Peers, ToPrimary } from './messages.js';

/**
 * A message to the primary. The callback takes a send error (the channel closing as the
 * primary goes away) that would otherwise be thrown as an unhandled 'error' event.
 */
export function sendToPrimary(m: ToPrimary): void {
  if (!process.connected || !process.send) return;
  try {
    process.send(m, undefined, undefined, () => undefined);
  } catch {
    // The channel closed between the check and the send: the primary is gone, and this
    // process stops on 'disconnect'.
  }
}

/** How long a serving process waits for its siblings' metrics before giving up. */
const PEER_TIMEOUT_MS = 5000;

/**
 * The serving process's side of the cluster: reports its readiness, answers the
 * primary's metrics collection (prom-client's cluster protocol); exposures are shared by
 * exposure-sync.ts, whose `share` is passed in.
 */
export function joinCluster(registry: Registry, shareExposure: Peers['shareExposure']): Peers & { reportReady(ready: boolean): void } {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's worker-side listener that answers the
  // primary's collection requests; the instance itself is not used here.
  new AggregatorRegistry();
  const send = sendToPrimary;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  let next = 1;
  let clusterReady = false;
  const ask = (build: (id: number) => ToPrimary): Promise<string> =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, PEER_TIMEOUT_MS);
      waiting.set(id, { resolve, reject, timer });
      send(build(id));
    });
  const settle = (id: number, text: string | undefined, error?: string): void => {
    const w = waiting.get(id);
    if (!w) return;
    waiting.delete(id);
    clearTimeout(w.timer);
    if (error !== undefined) w.reject(new Error(error));
    else w.resolve(text ?? '');
  };
  process.on('message', (m: unknown) => {
    if (!isToWorker(m)) return;
    switch (m.pairec) {
      case 'cluster-ready':
        clusterReady = m.ready;
        break;
      case 'metrics-reply':
        settle(m.id, m.text, m.error);
        break;
    }
  });
  return {
    get ready() {
      return clusterReady;
    },
    // Scrapes arriving together, or within the primary's cache time, share one request.
    metrics: sharedResult(() => ask((id) => ({ pairec: 'metrics', id })), METRICS_CACHE_MS),
    shareExposure,
    reportReady: (ready) => send({ pairec: 'state', ready }),
  };
}
