import { Socket } from 'node:net';
import type { Server } from 'node:http';
import { isToWorker } from './messages.js';
import type { ToPrimary } from './messages.js';

/**
 * Where a serving process's HTTP server listens when the primary hands it connections.
 * node's http server enforces headersTimeout and requestTimeout only for connections it
 * tracks, and it starts tracking when it emits 'listening': so the server really listens,
 * on a private endpoint nobody is told about. On Linux an abstract socket (no file to
 * leave behind after a `kill -9`); elsewhere a socket file under the temp folder.
 */
export function privateListenPath(tmp: string): string {
  const name = `pairec-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  return process.platform === 'linux' ? `\0${name}` : `${tmp}/${name}.sock`;
}

export interface Handoff {
  /** Resolves once every handed connection has closed (the drain waits for it). */
  drained(): Promise<void>;
  /** Connections taken and still open. */
  readonly open: number;
}

/**
 * The serving process's side of connection handoff (connection-router.ts): takes each
 * socket the primary sends, acknowledges it at once — before a byte is read, so the
 * primary may still give it to another process if this one dies first — and gives it
 * to the HTTP server as if it had accepted it. While `accepting()` is false (the server
 * is closing) it refuses, and the primary routes the connection elsewhere.
 */
export function takeConnections(server: Server, accepting: () => boolean, send: (m: ToPrimary) => void): Handoff {
  const open = new Set<Socket>();
  let idle: (() => void)[] = [];
  process.on('message', (m: unknown, handle: unknown) => {
    if (!isToWorker(m) || m.pairec !== 'connection') return;
    if (!(handle instanceof Socket)) return;
    const accepted = accepting();
    send({ pairec: 'connection-ack', id: m.id, accepted });
    if (!accepted) {
      handle.destroy(); // this process's descriptor only: the primary still holds the connection
      return;
    }
    open.add(handle);
    handle.once('close', () => {
      open.delete(handle);
      if (open.size > 0) return;
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
    });
    server.emit('connection', handle);
  });
  return {
    get open() {
      return open.size;
    },
    drained: () => (open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))),
  };
}
