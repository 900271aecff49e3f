import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { statusesOf } from './raw-http.js';

export interface AttackStats {
  /** Connections opened (the first ones and the reopened ones). */
  opened: number;
  /** Connections the server closed while the attack ran. */
  closedByServer: number;
  /** Status codes the server answered, by code. */
  statuses: Record<number, number>;
  /** The longest any connection lived before the server closed it, ms; and the longest still open at the end. */
  longestClosedMs: number;
  longestOpenMs: number;
}

interface Conn {
  readonly socket: Socket;
  readonly opened: number;
  reply: string;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A slow-body attacker: `count` connections, each sending a recommend request's headers
 * with a 1 KiB Content-Length and then one body byte every `everyMs`. A connection the
 * server closes is opened again at its next beat, so `count` stay at the server.
 */
export class SlowBodyAttack {
  readonly stats: AttackStats = { opened: 0, closedByServer: 0, statuses: {}, longestClosedMs: 0, longestOpenMs: 0 };
  readonly #conns = new Set<Conn>();
  #stopped = false;

  constructor(
    private readonly port: number,
    private readonly everyMs = 2000,
  ) {}

  /** Opens `count` connections, `batch` at a time, so the listen backlog is not overrun. */
  async start(count: number, batch = 100): Promise<void> {
    for (let i = 0; i < count && !this.#stopped; i += batch) {
      for (let j = i; j < Math.min(count, i + batch); j++) this.#open(Math.random() * this.everyMs);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  #open(firstBeatMs: number): void {
    if (this.#stopped) return;
    const socket = connect(this.port, '127.0.0.1');
    const conn: Conn = { socket, opened: Date.now(), reply: '', timer: undefined };
    this.#conns.add(conn);
    this.stats.opened++;
    socket.setEncoding('latin1');
    socket.on('error', () => undefined);
    socket.on('data', (d: string) => (conn.reply += d));
    socket.on('connect', () => {
      socket.write('POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n\r\n{');
      const beat = (): void => {
        if (socket.destroyed) return;
        socket.write(' ');
        conn.timer = setTimeout(beat, this.everyMs);
      };
      conn.timer = setTimeout(beat, firstBeatMs);
    });
    socket.on('close', () => {
      clearTimeout(conn.timer);
      this.#conns.delete(conn);
      for (const s of statusesOf(conn.reply)) this.stats.statuses[s] = (this.stats.statuses[s] ?? 0) + 1;
      if (this.#stopped) return;
      this.stats.closedByServer++;
      this.stats.longestClosedMs = Math.max(this.stats.longestClosedMs, Date.now() - conn.opened);
      setTimeout(() => this.#open(Math.random() * this.everyMs), this.everyMs);
    });
  }

  /** Ends the attack: notes how long the surviving connections have lived, and destroys them. */
  stop(): AttackStats {
    this.#stopped = true;
    const now = Date.now();
    for (const conn of this.#conns) {
      this.stats.longestOpenMs = Math.max(this.stats.longestOpenMs, now - conn.opened);
      clearTimeout(conn.timer);
      conn.socket.destroy();
    }
    return this.stats;
  }
}
