import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

/** What the scriptable backend does with one call. */
export type Behaviour = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

/**
 * An HTTP backend whose every answer is scripted: a queue of behaviours (the last one
 * repeats), and a record of what it received, for the robustness tests of remote types.
 */
export class BadBackend {
  readonly #server: Server;
  #script: Behaviour[] = [];
  readonly calls: { headers: IncomingMessage['headers']; body: Buffer; url: string }[] = [];
  readonly sockets = new Set<Socket>();
  port = 0;

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.calls.push({ headers: req.headers, body, url: req.url ?? '' });
        const next = this.#script.length > 1 ? this.#script.shift() : this.#script[0];
        if (next) next(req, body, res);
        else res.writeHead(500).end();
      });
    });
    this.#server.on('connection', (s: Socket) => this.sockets.add(s));
  }

  static async start(): Promise<BadBackend> {
    const b = new BadBackend();
    await new Promise<void>((resolve) => b.#server.listen(0, '127.0.0.1', resolve));
    b.port = (b.#server.address() as AddressInfo).port;
    return b;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  script(...behaviours: Behaviour[]): void {
    this.#script = behaviours;
    this.calls.length = 0;
    this.sockets.clear();
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export const send =
  (status: number, body: string | Uint8Array, type = 'application/json'): Behaviour =>
  (_req, _body, res) => {
    res.writeHead(status, { 'content-type': type }).end(body);
  };

/** Declares the full length, sends half, then drops the connection. */
export const truncated =
  (body: string | Uint8Array): Behaviour =>
  (_req, _body, res) => {
    const buf = Buffer.from(body);
    res.writeHead(200, { 'content-length': String(buf.length) });
    res.write(buf.subarray(0, buf.length >> 1));
    setTimeout(() => res.socket?.destroy(), 5);
  };

/** A chunked reply (no content-length) of `bytes` bytes. */
export const huge =
  (bytes: number): Behaviour =>
  (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
  };

export const hang = (): Behaviour => () => undefined;
