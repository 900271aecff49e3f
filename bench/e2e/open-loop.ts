import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ResponseReader } from './http-response.js';

export interface OpenLoopResult {
  readonly offered: number;
  readonly achieved: number;
  readonly sent: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

const pct = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);

/** One keep-alive connection that carries one request at a time. */
interface Conn {
  socket: Socket;
  reader: ResponseReader;
  /** Index of the request in flight, -1 when idle. */
  current: number;
  dead: boolean;
}

/**
 * Open loop at a fixed rate: request i is due at start + i / rate whatever the earlier
 * ones did, and its latency counts from when it was due, not when it was sent — so a
 * stall shows as the latency it causes (no coordinated omission). A 1 ms scheduler tick
 * hands every due request to an idle connection, or queues it until one frees up; wrk
 * has no rate control and autocannon's is bursty. Requests are written straight to
 * sockets and responses read by `ResponseReader`, so the generator costs little of the
 * cores it shares with the server.
 */
/** `until`: stops sending when aborted, before `seconds` are over (the requests sent are still awaited). */
export async function openLoop(
  url: string,
  opts: { rate: number; seconds: number; scene: string; users: number; connections?: number; until?: AbortSignal },
): Promise<OpenLoopResult> {
  const { hostname, port } = new URL(url);
  let total = Math.round(opts.rate * opts.seconds);
  const latencies = new Float64Array(total);
  const start = performance.now() + 20;
  const dueAt = (i: number): number => start + (i * 1000) / opts.rate;
  let done = 0;
  let errors = 0;
  let sent = 0;
  const backlog: number[] = [];
  let head = 0;
  const idle: Conn[] = [];
  /** Connections still open: when none is left, due requests fail at once instead of queueing. */
  let live = 0;

  const finish = (i: number, ok: boolean): void => {
    latencies[i] = performance.now() - dueAt(i);
    done++;
    if (!ok) errors++;
  };
  // Requests for random users, encoded once: the server keeps no per-user cache, so
  // drawing from 4,096 prepared ones loads it like fresh draws and costs a write each.
  const requests = Array.from({ length: 4096 }, () => {
    const body = `{"uid":"${1 + Math.floor(Math.random() * opts.users)}","scene_id":"${opts.scene}","size":20}`;
    return Buffer.from(
      `POST /api/recommend HTTP/1.1\r\nHost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  const send = (c: Conn, i: number): void => {
    c.current = i;
    c.socket.write(requests[i % requests.length] as Buffer);
  };
  const next = (c: Conn): void => {
    if (head < backlog.length) send(c, backlog[head++] as number);
    else idle.push(c);
  };
  const open = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port), noDelay: true });
      const c: Conn = { socket, reader: new ResponseReader(), current: -1, dead: false };
      socket.once('connect', () => resolve(c));
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => {
        for (const status of c.reader.push(chunk)) {
          if (c.current < 0) continue;
          finish(c.current, status === 200);
          c.current = -1;
          if (!c.reader.broken && !c.dead) next(c);
        }
      });
      // A connection that dies takes its request with it (an error); it is not replaced,
      // so a server that drops connections shows as errors and queueing, not as retries.
      socket.on('close', () => {
        if (!c.dead) live--;
        c.dead = true;
        if (c.current >= 0) finish(c.current, false);
        c.current = -1;
        const at = idle.indexOf(c);
        if (at >= 0) idle.splice(at, 1);
        // The last connection gone: what waits for one fails now, not at the 30 s wait below.
        if (live === 0) while (head < backlog.length) finish(backlog[head++] as number, false);
      });
    });
  const conns = await Promise.all(Array.from({ length: opts.connections ?? 64 }, open));
  for (const c of conns) c.socket.on('error', () => undefined);
  live = conns.filter((c) => !c.dead).length;
  idle.push(...conns);

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      if (opts.until?.aborted) total = sent;
      const now = performance.now();
      while (sent < total && dueAt(sent) <= now) {
        const c = idle.pop();
        if (c) send(c, sent);
        else if (live === 0) finish(sent, false);
        else backlog.push(sent);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 1);
  });
  const deadline = performance.now() + 30_000;
  while (done < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const elapsed = (performance.now() - start) / 1000;
  for (const c of conns) c.socket.destroy();
  const sorted = latencies.slice(0, done).sort();
  return {
    offered: opts.rate,
    achieved: done / elapsed,
    sent,
    errors: errors + (total - done),
    p50Ms: pct(sorted, 50),
    p95Ms: pct(sorted, 95),
    p99Ms: pct(sorted, 99),
  };
}
