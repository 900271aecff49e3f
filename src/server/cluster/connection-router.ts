import type { Socket } from 'node:net';
import type { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { ToWorker } from './messages.js';

/** Where a serving process stands, as the primary sees it. */
export type WorkerState = 'starting' | 'loading' | 'ready' | 'closing';

export interface RouterOptions {
  readonly logger: Logger;
  /** Longest time a connection waits in the primary for a process that can take it. */
  readonly holdMs?: number;
  /** Most connections held while no process can take one; more are closed at once. */
  readonly maxHeld?: number;
}

interface Pending {
  readonly socket: Socket;
  readonly worker: Worker;
  /** Processes that died holding it or refused it: not tried again. */
  readonly tried: Set<number>;
}

/**
 * The primary's side of connection handoff. The primary owns the listening socket (it
 * accepts with `pauseOnConnect`, so it never reads a byte) and hands each connection to
 * one serving process: round robin over the *ready* ones, or over those still loading
 * while none is ready (the very first start: /health answers 200 and /ready 503 there).
 * A process that is starting, or was restarted and is still loading, takes nothing while
 * a sibling is ready — no 503 `ERR_NOT_READY` bursts after a restart.
 *
 * The primary keeps its copy of each socket until the process acknowledges it
 * (`keepOpen`); if the process dies or refuses first, the connection goes to another
 * process, or is closed at once when none is left. node's own round-robin handle keeps
 * such a connection open forever (the client hangs); this is why the primary does the
 * scheduling itself. While no process can take a connection at all (every one crashed
 * and restarting) it waits here `holdMs`, then is closed.
 */
export class ConnectionRouter {
  readonly #logger: Logger;
  readonly #holdMs: number;
  readonly #maxHeld: number;
  readonly #workers = new Map<number, { worker: Worker; state: WorkerState }>();
  readonly #pending = new Map<number, Pending>();
  readonly #held = new Map<Socket, { tried: Set<number>; timer: NodeJS.Timeout }>();
  #seq = 0;
  #turn = 0;
  #closed = false;

  constructor(opts: RouterOptions) {
    this.#logger = opts.logger;
    this.#holdMs = opts.holdMs ?? 10_000;
    this.#maxHeld = opts.maxHeld ?? 1024;
  }

  /** Connections handed over and not yet acknowledged (tests and logs). */
  get pending(): number {
    return this.#pending.size;
  }

  setState(worker: Worker, state: WorkerState): void {
    this.#workers.set(worker.id, { worker, state });
    if (state === 'loading' || state === 'ready') this.#flushHeld();
  }

  /** The process exited: every connection it had not acknowledged goes elsewhere. */
  remove(worker: Worker): void {
    this.#workers.delete(worker.id);
    for (const [id, p] of this.#pending) {
      if (p.worker.id !== worker.id) continue;
      this.#pending.delete(id);
      p.tried.add(worker.id);
      this.route(p.socket, p.tried);
    }
  }

  acknowledged(worker: Worker, id: number, accepted: boolean): void {
    const p = this.#pending.get(id);
    if (!p || p.worker.id !== worker.id) return;
    this.#pending.delete(id);
    if (accepted) {
      // The process has its own descriptor for the connection: closing the primary's
      // copy sends nothing to the client.
      p.socket.destroy();
      return;
    }
    // Refused: the process is closing; it takes no more.
    const w = this.#workers.get(worker.id);
    if (w) w.state = 'closing';
    p.tried.add(worker.id);
    this.route(p.socket, p.tried);
  }

  route(socket: Socket, tried: Set<number> = new Set()): void {
    if (socket.listenerCount('error') === 0) socket.on('error', () => undefined); // a reset while waiting: nothing to do
    if (this.#closed || socket.destroyed) {
      socket.destroy();
      return;
    }
    const worker = this.#pick(tried);
    if (!worker) {
      this.#hold(socket, tried);
      return;
    }
    const id = ++this.#seq;
    this.#pending.set(id, { socket, worker, tried });
    const msg: ToWorker = { pairec: 'connection', id };
    try {
      worker.send(msg, socket, { keepOpen: true }, (err) => {
        if (!err || this.#pending.get(id)?.worker !== worker) return;
        // The channel closed under the send: the process is going away; try another.
        this.#pending.delete(id);
        tried.add(worker.id);
        this.route(socket, tried);
      });
    } catch (err) {
      this.#pending.delete(id);
      tried.add(worker.id);
      this.#logger.warn({ err, workerId: worker.id }, 'handing a connection to a serving process failed');
      this.route(socket, tried);
    }
  }

  /** Stops routing: held and unacknowledged connections are closed. */
  close(): void {
    this.#closed = true;
    for (const [socket, h] of this.#held) {
      clearTimeout(h.timer);
      socket.destroy();
    }
    this.#held.clear();
  }

  #pick(tried: ReadonlySet<number>): Worker | undefined {
    const usable = (state: WorkerState): Worker[] =>
      [...this.#workers.values()].filter((w) => w.state === state && !tried.has(w.worker.id) && w.worker.isConnected()).map((w) => w.worker);
    let candidates = usable('ready');
    if (candidates.length === 0) candidates = usable('loading');
    if (candidates.length === 0) return undefined;
    return candidates[this.#turn++ % candidates.length];
  }

  #hold(socket: Socket, tried: Set<number>): void {
    if (this.#held.size >= this.#maxHeld) {
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => {
      this.#held.delete(socket);
      socket.destroy();
    }, this.#holdMs);
    timer.unref();
    this.#held.set(socket, { tried, timer });
  }

  #flushHeld(): void {
    const held = [...this.#held];
    this.#held.clear();
    for (const [socket, h] of held) {
      clearTimeout(h.timer);
      // A process that failed this connection earlier may be the only one back.
      this.route(socket, new Set([...h.tried].filter((id) => this.#workers.has(id))));
    }
  }
}
