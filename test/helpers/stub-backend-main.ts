import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';

/**
 * A scriptable KServe v2 (Open Inference Protocol) backend, run as its own process so a
 * test can hang, break, kill and restart it without touching the server under test.
 *
 *   node stub-backend-main.js --port 0 [--mode ok]
 *
 * Control: `PUT /__mode/<mode>` switches the behaviour of every later call;
 * `GET /__stats` answers {calls, open_sockets}; `POST /__reset` zeroes the call count.
 * Modes (STUB_MODES): ok, 503, garbage, truncated, nan, huge (> 4 MiB), hang.
 */
export const STUB_MODES = ['ok', '503', 'garbage', 'truncated', 'nan', 'huge', 'hang'] as const;
export type StubMode = (typeof STUB_MODES)[number];

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, mode: { type: 'string', default: 'ok' } } });
let mode = values.mode as StubMode;
let calls = 0;
const sockets = new Set<Socket>();

/** Rows in a v2 JSON request: the first input's leading dimension. */
function rowsOf(body: Buffer): number {
  try {
    const req = JSON.parse(body.toString('utf8')) as { inputs?: { shape?: number[] }[] };
    return req.inputs?.[0]?.shape?.[0] ?? 1;
  } catch {
    return 1;
  }
}

const v2 = (data: (number | null)[]): string =>
  JSON.stringify({ model_name: 'm', outputs: [{ name: 'score', shape: [data.length, 1], datatype: 'FP32', data }] });

const HUGE = Buffer.alloc(5 * 1024 * 1024, 0x20);

const behaviours: Record<StubMode, (rows: number, res: ServerResponse) => void> = {
  ok: (n, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(v2(Array.from({ length: n }, (_, i) => 1 / (i + 1)))),
  503: (_n, res) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('busy'),
  garbage: (_n, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('\u0000\u00ff<html>not json'),
  truncated: (n, res) => {
    const body = Buffer.from(v2(Array.from({ length: n }, () => 0.5)));
    res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/json' });
    res.write(body.subarray(0, body.length >> 1));
    setTimeout(() => res.socket?.destroy(), 2);
  },
  nan: (n, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(v2(Array.from({ length: n }, (_, i) => (i === 0 ? null : 0.5)))),
  // Chunked (no content-length): the client must stop reading at its byte limit.
  huge: (_n, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.on('error', () => undefined);
    res.end(HUGE);
  },
  hang: () => undefined,
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = req.url ?? '';
    if (url.startsWith('/__mode/')) {
      const next = url.slice('/__mode/'.length) as StubMode;
      if (!(STUB_MODES as readonly string[]).includes(next)) return void res.writeHead(400).end('unknown mode');
      mode = next;
      return void res.writeHead(204).end();
    }
    if (url === '/__stats')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ calls, open_sockets: sockets.size - 1 }));
    if (url === '/__reset') {
      calls = 0;
      return void res.writeHead(204).end();
    }
    calls++;
    behaviours[mode](rowsOf(Buffer.concat(chunks)), res);
  });
});
server.keepAliveTimeout = 60_000;
server.on('connection', (s: Socket) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
server.listen(Number(values.port), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
