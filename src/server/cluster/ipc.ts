import type { Worker } from 'node:cluster';
import type { ToWorker } from './messages.js';

/**
 * Sends a message to a serving process that may be dying. A process can exit between
 * `isConnected()` and the write: the write then fails with EPIPE, which node reports as
 * an 'error' event on the worker when the send has no callback — an unhandled one that
 * killed the primary (a SIGTERM drain exited 1 about one time in twenty). With a
 * callback the error is handed to `onError` instead, and the exit is dealt with where
 * the primary handles 'exit'.
 */
export function sendSafely(w: Worker, m: ToWorker, onError: (err: Error) => void): void {
  if (!w.isConnected()) return;
  try {
    w.send(m, undefined, undefined, (err) => {
      if (err) onError(err);
    });
  } catch (err) {
    onError(err instanceof Error ? err : new Error(String(err)));
  }
}
