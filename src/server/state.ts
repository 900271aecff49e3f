import type { Peers } from './cluster/messages.js';
import type { DependencyHealth } from './dependency-health.js';

/** Process-level serving state shared by the probes and the shutdown path. */
export interface ServerState {
  /** Sibling serving processes, when this one runs in a cluster (server/cluster/). */
  peers?: Peers;
  draining: boolean;
  /** The initial load failed: /ready stays 503 and says so. */
  loadError: boolean;
  /** Recent recommend outcomes: /ready is 503 while a dependency fails requests that have no fallback. */
  dependencies?: DependencyHealth;
}
