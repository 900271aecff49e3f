/**
 * Processes a test file started, stopped when the file's process ends however it ends:
 * normally, by an uncaught error, or killed by the test runner when the file times out
 * (SIGTERM). Without this, a server a failing test started outlives the run and holds
 * its port, memory and CPU for the tests that follow.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let installed = false;

function stopAll(signal: NodeJS.Signals): void {
  for (const child of live) {
    // SIGTERM: a cluster primary drains and stops its serving processes too.
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
  live.clear();
}

function install(): void {
  installed = true;
  process.once('exit', () => stopAll('SIGTERM'));
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopAll('SIGTERM');
      process.exit(1);
    });
  }
}

/** Tracks `child` until it exits. */
export function reap<T extends ChildProcess>(child: T): T {
  if (!installed) install();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}
