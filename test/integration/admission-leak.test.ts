import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ServerProcess } from '../helpers/server-process.js';
import { fastConfig, writeConfig } from '../helpers/fast-config.js';
import { metricValue, open, rawPost } from '../helpers/raw-http.js';
import { assertNoProcessErrors } from '../helpers/process-errors.js';

const LIMIT = 8;
const CLIENTS = 6;
const PIPELINED = 300;
/** 500 items a response (≈ 30 KB): a client that does not read fills the socket buffers, so responses queue behind the one being written. */
const BODY = '{"uid":"7","size":500}';

const inFlight = async (url: string): Promise<number | undefined> => metricValue(await (await fetch(`${url}/metrics`)).text(), 'pairec_admission_in_flight');

/** One client: PIPELINED requests on one connection, nothing read, then the connection destroyed. */
async function pipelineAndVanish(port: number): Promise<void> {
  const socket = await open(port);
  socket.on('error', () => undefined);
  socket.pause();
  const one = rawPost(BODY);
  await new Promise<void>((resolve) => socket.write(Buffer.concat(Array.from({ length: PIPELINED }, () => one)), () => resolve()));
  await new Promise((r) => setTimeout(r, 400)); // the server reads, admits and answers into the full socket
  socket.destroy();
}

describe('admission slots when pipelining clients vanish (real process, raw sockets)', () => {
  let server: ServerProcess;
  before(async () => {
    const config = fastConfig({
      RecallConfs: [{ Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 500 }],
      performance: { max_concurrent_requests: LIMIT },
    });
    server = await ServerProcess.start(writeConfig(config, 'pairec-leak-'), ['--no-watch']);
    await server.waitReady();
  });
  after(async () => {
    await server.stop('SIGKILL');
  });

  it(`${CLIENTS} clients × ${PIPELINED} pipelined requests closed unread: in_flight returns to 0 and a normal client gets 200s`, async (t) => {
    const port = server.port;
    // Two waves, as several clients would over time.
    for (let wave = 0; wave < 2; wave++) await Promise.all(Array.from({ length: CLIENTS / 2 }, () => pipelineAndVanish(port)));
    const started = Date.now();
    let last = await inFlight(server.url);
    while (last !== 0 && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      last = await inFlight(server.url);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const admitted = /pairec_request_duration_seconds_count\{route="\/api\/recommend",scene="default_scene",code="2xx"\} (\d+)/.exec(metrics)?.[1];
    const shed = /pairec_admission_shed_total\{reason="concurrency"\} (\d+)/.exec(metrics)?.[1];
    t.diagnostic(`in_flight ${String(last)} ${Date.now() - started} ms after the clients vanished; answered 200 (into closed sockets): ${admitted ?? 0}, shed: ${shed ?? 0}`);
    assert.equal(last, 0, `pairec_admission_in_flight returns to 0 (stuck at ${String(last)} of ${LIMIT})`);

    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await server.post('/api/recommend', BODY);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    t.diagnostic(`a normal client afterwards: ${statuses.filter((s) => s === 200).length}/20 × 200`);
    assert.deepEqual(statuses, Array.from({ length: 20 }, () => 200), 'a normal client is served, not shed');
    await assertNoProcessErrors(server.url);
  });
});
