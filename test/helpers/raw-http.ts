import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface RawReply {
  /** Everything the server wrote, as latin1 text (bodies here are ASCII JSON). */
  readonly text: string;
  /** Status codes of the responses in `text`, in order (interim 1xx included). */
  readonly statuses: number[];
  /** The server closed the connection (rather than the wait running out). */
  readonly closed: boolean;
}

/** Status codes of the HTTP responses in `text`. */
export const statusesOf = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

/** A loopback connection to `port`, errors swallowed (tests read what arrived instead). */
export function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Writes `data` (one write, or several with `gapMs` between them) and collects what the
 * server answers until it closes the connection, or `waitMs` passes after the last write
 * with the connection still open.
 */
export async function exchange(port: number, data: string | Buffer | (string | Buffer)[], waitMs = 3000, gapMs = 0): Promise<RawReply> {
  const socket = await open(port);
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
  for (const part of Array.isArray(data) ? data : [data]) {
    if (socket.destroyed) break;
    socket.write(part);
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), waitMs).unref());
  const wasClosed = await Promise.race([closed, timer]);
  socket.destroy();
  const text = Buffer.concat(chunks).toString('latin1');
  return { text, statuses: statusesOf(text), closed: wasClosed };
}

/** A POST /api/recommend request as raw HTTP/1.1 text, with `headers` added. */
export function rawPost(body: string | Buffer, headers: Record<string, string | number> = {}, path = '/api/recommend'): Buffer {
  const h = { host: '127.0.0.1', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers };
  const head = `POST ${path} HTTP/1.1\r\n${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

/** The value of `name` in /metrics text (a series without labels), or undefined. */
export function metricValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}
