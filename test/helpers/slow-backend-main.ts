import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A PMML model backend (EAS `Processor: PMML`) with WORKERS workers, each taking DELAY_MS
 * per call; calls beyond that wait in a FIFO queue, as on a real model server, so its
 * capacity is WORKERS / DELAY_MS and a client that sends more only makes the queue (and
 * every call's latency) grow. In its own process so its timers do not share the load
 * generator's event loop. `GET /calls` reports how many scoring calls it received.
 * Usage: node slow-backend-main.js DELAY_MS WORKERS
 */
const delayMs = Number(process.argv[2] ?? '50');
const workers = Number(process.argv[3] ?? '1');
let calls = 0;
let busy = 0;
const queue: (() => void)[] = [];
const work = (job: () => void): void => {
  if (busy >= workers) return void queue.push(job);
  busy++;
  setTimeout(() => {
    job();
    busy--;
    const next = queue.shift();
    if (next) work(next);
  }, delayMs);
};
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ calls }));
      return;
    }
    calls++;
    const raw = Buffer.concat(chunks);
    const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
    const rows = (JSON.parse(text) as unknown[]).length;
    const body = JSON.stringify(Array.from({ length: rows }, (_, i) => ({ score: 1 / (i + 1) })));
    work(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port })}\n`);
});
