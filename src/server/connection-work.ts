import type { Socket } from 'node:net';

/** The cancel callbacks of the requests still running on each connection. */
const running = new WeakMap<Socket, Set<() => void>>();

/**
 * Cancels `cancel` when the request's connection closes, and returns the function that
 * forgets it (call it when the request is answered). A response's own 'close' is not
 * enough: a pipelined request queued behind others on a connection the client closed
 * never gets one (Node attaches a response to the socket only when those before it are
 * done), so without this its work would run to its deadline for nobody. One listener per
 * connection, whatever the number of requests pipelined on it.
 */
export function cancelOnConnectionClose(socket: Socket | null | undefined, cancel: () => void): () => void {
  if (!socket) return noop;
  if (socket.destroyed) {
    cancel();
    return noop;
  }
  let set = running.get(socket);
  if (set === undefined) {
    const callbacks = new Set<() => void>();
    running.set(socket, callbacks);
    socket.once('close', () => {
      running.delete(socket);
      for (const c of callbacks) c();
      callbacks.clear();
    });
    set = callbacks;
  }
  const callbacks = set;
  callbacks.add(cancel);
  return () => void callbacks.delete(cancel);
}

const noop = (): void => undefined;
