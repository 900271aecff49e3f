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
  /** The last config load or reload and how it went (the console shows it). */
  lastReload?: ReloadOutcome;
}

/** One config load or reload, as the console shows it. */
export interface ReloadOutcome {
  /** ISO time it ended. */
  readonly at: string;
  /** `start`, `file`, `SIGHUP`, `api` … */
  readonly trigger: string;
  readonly ok: boolean;
  /** The signature now serving, when it succeeded. */
  readonly signature?: string;
  /** Why it was refused (the messages the error log carries; they name JSON paths, never values). */
  readonly problems?: readonly string[];
}
