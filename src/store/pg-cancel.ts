import { connect } from 'node:net';

/** PostgreSQL's CancelRequest code (protocol 3: 1234 << 16 | 5678). */
const CANCEL_REQUEST = 80877102;

/** What node-postgres keeps of a connection (set at startup; not in its type declarations). */
interface BackendKey {
  readonly processID?: unknown;
  readonly secretKey?: unknown;
  readonly host?: unknown;
  readonly port?: unknown;
}

/**
 * Asks the server to cancel what a connection is running: PostgreSQL's CancelRequest, on
 * a new socket, with the backend's process id and secret key (what libpq's PQcancel sends).
 * Best effort and fire-and-forget: the caller has already given up on the query; this
 * spares the server the rest of it instead of waiting for statement_timeout.
 */
export function cancelBackend(client: object): void {
  const k = client as BackendKey;
  if (typeof k.processID !== 'number' || typeof k.secretKey !== 'number' || typeof k.port !== 'number' || typeof k.host !== 'string') return;
  const msg = Buffer.alloc(16);
  msg.writeInt32BE(16, 0);
  msg.writeInt32BE(CANCEL_REQUEST, 4);
  msg.writeInt32BE(k.processID, 8);
  msg.writeInt32BE(k.secretKey, 12);
  const socket = k.host.startsWith('/') ? connect(`${k.host}/.s.PGSQL.${k.port}`) : connect(k.port, k.host);
  socket.setTimeout(1000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('connect', () => socket.end(msg));
}
