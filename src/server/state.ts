/** Process-level serving state shared by the probes and the shutdown path. */
export interface ServerState {
  draining: boolean;
  /** The initial load failed: /ready stays 503 and says so. */
  loadError: boolean;
}
