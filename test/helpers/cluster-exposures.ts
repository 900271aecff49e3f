import { request } from 'node:http';
import type { Agent } from 'node:http';
import type { ServerProcess } from './server-process.js';

export interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly ms: number;
}

/**
 * One POST (a string body is sent as it is); without `agent` on a connection of its own, so the cluster may hand it to
 * either serving process (round robin).
 */
export function post(port: number, path: string, body: unknown, agent: Agent | false = false, timeoutMs = 15_000): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const data = typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = { text };
          }
          resolve({ status: res.statusCode ?? 0, json, ms: performance.now() - t0 });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.end(data);
  });
}

export const itemIds = (json: Record<string, unknown>): string[] => ((json.items ?? []) as { item_id: string }[]).map((i) => i.item_id);

/** The pid of the serving process that answered a recommend, from its access-log line. */
export async function answeredBy(server: ServerProcess, requestId: string): Promise<number> {
  const line = await server.waitFor((l) => l.msg === 'recommend' && l.request_id === requestId, 10_000);
  return Number(line.pid);
}

/** Pids of the serving processes up now: those that logged `taking connections from the cluster primary` and did not exit since. */
export function servingPids(server: ServerProcess): number[] {
  const exited = new Set(server.since(0, (l) => l.msg === 'serving process exited; restarting').map((l) => Number(l.workerPid)));
  return [...new Set(server.since(0, (l) => l.msg === 'taking connections from the cluster primary').map((l) => Number(l.pid)))].filter((p) => !exited.has(p));
}

/**
 * Recommends for `uid` on fresh connections until every pid of `pids` answered at least
 * `each` times; returns every item answered, by pid.
 */
export async function recommendFromEach(
  server: ServerProcess,
  uid: string,
  pids: readonly number[],
  each = 2,
  maxRequests = 60,
): Promise<Map<number, string[][]>> {
  const by = new Map<number, string[][]>();
  let n = 0;
  while (pids.some((p) => (by.get(p)?.length ?? 0) < each)) {
    if (++n > maxRequests) throw new Error(`${maxRequests} requests did not reach every process ${pids.join(', ')}: ${[...by.keys()].join(', ')}`);
    const requestId = `${uid}-${n}-${Math.random().toString(36).slice(2, 8)}`;
    const r = await post(server.port, '/api/recommend', { uid, size: 10, request_id: requestId });
    if (r.status !== 200) continue;
    const pid = await answeredBy(server, requestId);
    by.set(pid, [...(by.get(pid) ?? []), itemIds(r.json)]);
  }
  return by;
}

/** A counter or gauge of the cluster's /metrics once it is there (the sum over processes). */
export async function waitForMetric(server: ServerProcess, name: string, timeoutMs = 20_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${server.url}/metrics`).catch(() => undefined);
    const text = res?.status === 200 ? await res.text() : '';
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (line !== undefined) return Number(line.split(' ').pop());
    if (Date.now() > end) throw new Error(`${name} not on /metrics`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
