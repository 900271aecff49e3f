import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../helpers/server-process.js';
import { smallConfig } from '../helpers/config.js';

/** One request on a connection of its own, so the cluster may hand it to any process. */
function post(port: number, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
    req.end(data);
  });
}

const itemIds = (json: Record<string, unknown>): string[] => ((json.items ?? []) as { item_id: string }[]).map((i) => i.item_id);

describe('cluster: one serving process per worker slot behind one port', () => {
  let server: ServerProcess;
  const dir = mkdtempSync(join(tmpdir(), 'pairec-cluster-'));
  const file = join(dir, 'config.json');

  before(async () => {
    writeFileSync(file, JSON.stringify(smallConfig(join(dir, 'cache'))));
    server = await ServerProcess.start(file, ['--no-watch'], undefined, { PAIREC_WORKERS: '2' });
    await server.waitReady(90_000);
  });
  after(async () => {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) return;
    server.proc.kill('SIGKILL');
    await once(server.proc, 'exit');
  });

  const pids = (): Set<number> => new Set(server.since(0, (l) => l.msg === 'listening').map((l) => Number(l.pid)));

  it('starts two serving processes and is ready only when both are', () => {
    const started = server.since(0, (l) => l.msg === 'cluster started');
    assert.equal(started[0]?.workers, 2);
    assert.equal(pids().size, 2);
  });

  it('an exposure recorded through one process is filtered by every process', async () => {
    const uid = '17';
    const first = await post(server.port, '/api/recommend', { uid, size: 10 });
    assert.equal(first.status, 200);
    const shown = itemIds(first.json);
    assert.equal(shown.length, 10);
    const cb = await post(server.port, '/api/callback', { uid, scene_id: 'default_scene', item_list: shown.map((item_id) => ({ item_id })) });
    assert.equal(cb.status, 200);
    // Each request on a new connection: the primary spreads them over both processes.
    for (let i = 0; i < 8; i++) {
      const again = await post(server.port, '/api/recommend', { uid, size: 10 });
      assert.equal(again.status, 200);
      for (const id of itemIds(again.json)) assert.ok(!shown.includes(id), `item ${id} came back after its exposure`);
    }
  });

  it('/metrics counts the requests of every process', async () => {
    const count = async (): Promise<number> => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('pairec_request_duration_seconds_count{') && l.includes('route="/api/recommend"') && l.includes('code="2xx"'));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await count();
    const n = 12;
    for (let i = 0; i < n; i++) assert.equal((await post(server.port, '/api/recommend', { uid: String(i + 1) })).status, 200);
    assert.equal((await count()) - before, n);
  });

  it('restarts a serving process that dies, and keeps answering meanwhile', async () => {
    const victim = [...pids()][0];
    assert.ok(victim);
    const from = server.lines.length;
    process.kill(victim, 'SIGKILL');
    let ok = 0;
    // Until the process is back and some request was answered meanwhile (by the other one).
    const end = Date.now() + 45_000;
    while (Date.now() < end && (ok === 0 || server.since(from, (l) => l.msg === 'listening').length === 0)) {
      const r = await post(server.port, '/api/recommend', { uid: '3' }).catch(() => undefined);
      if (r?.status === 200) ok++;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(server.since(from, (l) => l.msg === 'serving process exited; restarting').length, 1);
    assert.ok(server.since(from, (l) => l.msg === 'listening').length >= 1, 'the process was not restarted');
    assert.ok(ok > 0, 'no request was answered while one process restarted');
    await server.waitReady(60_000);
  });

  it('SIGTERM drains every process and the primary exits 0', async () => {
    const t0 = Date.now();
    server.proc.kill('SIGTERM');
    const [code] = (await once(server.proc, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 30_000);
  });
});
