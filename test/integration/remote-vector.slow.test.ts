import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ServerProcess } from '../helpers/server-process.js';
import { startVectorServerProcess } from '../helpers/process.js';
import type { LoggedProcess } from '../helpers/process.js';
import { freePort } from '../helpers/ports.js';
import { smallConfig } from '../helpers/config.js';

interface Item {
  item_id: string;
  retrieve_id: string;
  score: number;
}
type Config = Record<string, unknown> & { AlgoConfs: Record<string, unknown>[] };

const dir = mkdtempSync(join(tmpdir(), 'pairec-remote-'));
const running: LoggedProcess[] = [];
after(async () => {
  for (const p of running) await p.stop('SIGKILL');
});

function write(name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function items(server: ServerProcess, uid: string): Promise<{ status: number; items: Item[] }> {
  const res = await server.post('/api/recommend', JSON.stringify({ uid, size: 20 }));
  const body = (await res.json()) as { items?: Item[] };
  return { status: res.status, items: body.items ?? [] };
}

describe('examples/remote-vector.json', () => {
  it('with exact indexes, recommends exactly what the embedded exact index recommends', async () => {
    const example = JSON.parse(readFileSync(fileURLToPath(new URL('../../../examples/remote-vector.json', import.meta.url)), 'utf8')) as Config;
    example.CatalogConf = { ...(example.CatalogConf as object), CacheDir: join(dir, 'cache') };
    const seed = write('catalog.json', example);
    const vs = await startVectorServerProcess(['--catalog', seed, '--index', 'flat', '--port', '0', '--metrics-port', 'none']);
    running.push(vs.proc);

    const remote = structuredClone(example);
    (remote.AlgoConfs[0] as { VectorConf: Record<string, unknown> }).VectorConf.ServerAddress = `127.0.0.1:${vs.port}`;
    (remote.AlgoConfs[0] as { VectorConf: Record<string, unknown> }).VectorConf.Timeout = 2000;
    const embedded = structuredClone(example);
    embedded.AlgoConfs[0] = { Name: 'item_vectors', Type: 'ANN', AnnConf: { Index: 'flat' } };

    const [a, b] = await Promise.all([ServerProcess.start(write('remote.json', remote)), ServerProcess.start(write('embedded.json', embedded))]);
    running.push(a, b);
    await Promise.all([a.waitReady(), b.waitReady()]);
    for (const uid of ['1', '2', '3', '17', '4242']) {
      const [ra, rb] = await Promise.all([items(a, uid), items(b, uid)]);
      assert.equal(ra.status, 200);
      assert.equal(ra.items.length, 20);
      assert.ok(
        ra.items.some((i) => i.retrieve_id === 'vector_recall'),
        'the remote vector recall contributes',
      );
      assert.deepEqual(ra.items, rb.items, `uid ${uid}: remote and embedded exact agree`);
    }
  });
});

describe('FAISS backend killed under load', () => {
  it('keeps answering within the deadline from other recalls, and reconnects when the server is back', async () => {
    const port = await freePort();
    const config = smallConfig(join(dir, 'small-cache')) as Config;
    config.AlgoConfs[0] = {
      Name: 'item_ann',
      Type: 'FAISS',
      VectorConf: { ServerAddress: `127.0.0.1:${port}`, Timeout: 300, PoolSize: 2, MaxReconnectBackoff: 500 },
    };
    // The vector server serves the demo catalog's own items: its user vectors are in their space.
    const vectorRecall = (config.RecallConfs as Record<string, unknown>[]).find((r) => r.Name === 'vector_recall');
    assert.ok(vectorRecall);
    vectorRecall.UserEmbedding = { From: 'catalog' };
    config.performance = { request_timeout_ms: 1000 };
    // The FAISS breaker ejects the dead server after 5 failures; short ejections let this
    // test see the reconnection within seconds (the default first ejection is 30 s).
    config.optimization = { circuit_breaker_ejection_ms: 300, circuit_breaker_max_ejection_ms: 600 };
    const file = write('faiss-small.json', config);
    const vsArgs = ['--catalog', file, '--index', 'hnsw', '--port', String(port), '--metrics-port', 'none'];
    let vs = await startVectorServerProcess(vsArgs);
    running.push(vs.proc);
    const server = await ServerProcess.start(file);
    running.push(server);
    await server.waitReady();

    const log: { at: number; status: number; ms: number; vector: boolean }[] = [];
    let stop = false;
    const t0 = performance.now();
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const start = performance.now();
        const r = await items(server, String(((w * 31 + i) % 200) + 1));
        log.push({ at: start - t0, status: r.status, ms: performance.now() - start, vector: r.items.some((x) => x.retrieve_id === 'vector_recall') });
      }
    };
    const workers = [0, 1, 2, 3].map(worker);

    await new Promise((r) => setTimeout(r, 800));
    const killedAt = performance.now() - t0;
    vs.proc.proc.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    const restartAt = performance.now() - t0;
    vs = await startVectorServerProcess(vsArgs);
    running.push(vs.proc);
    const back = Date.now();
    while (Date.now() - back < 10_000 && !log.some((l) => l.at > restartAt && l.vector)) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(workers);

    const during = log.filter((l) => l.at > killedAt + 50 && l.at < restartAt);
    assert.ok(
      log.every((l) => l.status === 200),
      `every request answered 200: ${JSON.stringify(log.filter((l) => l.status !== 200).slice(0, 3))}`,
    );
    const slowest = Math.max(...log.map((l) => l.ms));
    assert.ok(slowest < 1000 + 200, `every request within the 1000 ms deadline (slowest ${slowest.toFixed(0)} ms)`);
    assert.ok(during.length > 10, `requests flowed while the server was down (${during.length})`);
    assert.ok(
      during.every((l) => !l.vector),
      'while down, items come from the other recall',
    );
    assert.ok(
      log.some((l) => l.at > restartAt && l.vector),
      'the client reconnected and vector recall is back',
    );
  });
});
