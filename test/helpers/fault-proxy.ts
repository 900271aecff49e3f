import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/**
 * A small TCP fault proxy (what toxiproxy does, for the faults the tests need; toxiproxy
 * is not installable here). Between a client and an upstream port it can:
 * - `pass`: forward both ways;
 * - `hang`: accept connections and read requests, but never answer nor forward;
 * - `reset`: accept, then reset the connection at once (RST), as a crashing backend;
 * - `refuse`: stop listening, so connects are refused.
 * Mode changes apply to new connections. `open` counts client connections still open;
 * `openUsed` those of them that carried a request (received bytes) — an HTTP client's
 * pool may keep connections it dialled but never used, idle, for its keep-alive time.
 * `replyDelayMs` > 0 holds every chunk from upstream that long before passing it on (a
 * slow backend whose replies keep their order), on connections accepted from then on.
 */
export type FaultMode = 'pass' | 'hang' | 'reset' | 'refuse';

export class FaultProxy {
  readonly #upstreamPort: number;
  #server: Server | undefined;
  readonly #clients = new Set<Socket>();
  readonly #used = new WeakSet<Socket>();
  #mode: FaultMode = 'pass';
  port = 0;
  /** Connections accepted since start. */
  accepted = 0;
  /** Delay added to each reply chunk in `pass` mode, ms (applies to connections accepted from then on). */
  replyDelayMs = 0;

  private constructor(upstreamPort: number) {
    this.#upstreamPort = upstreamPort;
  }

  static async start(upstreamPort: number, mode: FaultMode = 'pass'): Promise<FaultProxy> {
    const p = new FaultProxy(upstreamPort);
    await p.#listen(0);
    await p.setMode(mode);
    return p;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Client connections open now. */
  get open(): number {
    return this.#clients.size;
  }

  /** Open client connections that have sent something. */
  get openUsed(): number {
    let n = 0;
    for (const c of this.#clients) if (this.#used.has(c)) n++;
    return n;
  }

  async setMode(mode: FaultMode): Promise<void> {
    this.#mode = mode;
    if (mode === 'refuse' && this.#server) {
      const s = this.#server;
      this.#server = undefined;
      await new Promise<void>((resolve) => s.close(() => resolve()));
    } else if (mode !== 'refuse' && !this.#server) {
      await this.#listen(this.port);
    }
  }

  #listen(port: number): Promise<void> {
    const server = createServer((client) => this.#accept(client));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  #accept(client: Socket): void {
    this.accepted++;
    this.#clients.add(client);
    client.on('close', () => this.#clients.delete(client));
    client.on('error', () => undefined);
    client.once('data', () => this.#used.add(client));
    if (this.#mode === 'reset') return void client.resetAndDestroy();
    if (this.#mode === 'hang') return void client.on('data', () => undefined);
    const upstream = connect(this.#upstreamPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    const delay = this.replyDelayMs;
    if (delay <= 0) return void client.pipe(upstream).pipe(client);
    client.pipe(upstream);
    // Timers of equal delay fire in order: replies stay in the order upstream sent them.
    upstream.on('data', (chunk: Buffer) => setTimeout(() => client.writable && client.write(chunk), delay));
  }

  /** Drops every open connection (clients see a reset), so a new mode applies to all later calls. */
  dropAll(): void {
    for (const c of this.#clients) c.destroy();
  }

  async close(): Promise<void> {
    for (const c of this.#clients) c.destroy();
    const s = this.#server;
    this.#server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
