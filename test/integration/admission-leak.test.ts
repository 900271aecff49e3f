import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ServerProcess } from '../helpers/server-process.js';
import { writeConfig } from '../helpers/fast-config.js';
import { SlowBackend } from '../helpers/slow-backend.js';
import { remoteRankConfig } from '../helpers/remote-config.js';
import { metricValue, open, rawPost } from '../helpers/raw-http.js';
import { assertNoProcessErrors } from '../helpers/process-errors.js';

const LIMIT = 8;
const CLIENTS = 6;
const PIPELINED = 300;
/** Every request calls a model backend that answers in BACKEND_MS: the admitted requests of a connection are all running when the client goes. */
const BACKEND_MS = 150;
const BODY = '{"uid":"7","size":10}';

const inFlight = async (url: string): Promise<number | undefined> => metricValue(await (await fetch(`${url}/metrics`)).text(), 'pairec_admission_in_flight');

/** One client: PIPELINED requests on one connection, nothing read, then the connection destroyed. */
async function pipelineAndVanish(port: number): Promise<void> {
  const socket = await open(port);
  socket.on('error', () => undefined);
  socket.pause();
  const one = rawPost(BODY);
  await new Promise<void>((resolve) => socket.write(Buffer.concat(Array.from({ length: PIPELINED }, () => one)), () => resolve()));
  // The server reads the requests, admits LIMIT and sheds the rest; the admitted wait for the
  // backend, and all but the first will finish behind it, in a queue that the close leaves behind.
  await new Promise((r) => setTimeout(r, BACKEND_MS / 3));
  socket.destroy();
}

describe('admission slots when pipelining clients vanish (real process, raw sockets)', () => {
  let backend: SlowBackend;
  let server: ServerProcess;
  before(async () => {
    backend = await SlowBackend.start(BACKEND_MS, 64);
    const config = remoteRankConfig(backend.url, { performance: { request_timeout_ms: 3000, max_concurrent_requests: LIMIT } });
    server = await ServerProcess.start(writeConfig(config, 'pairec-leak-'), ['--no-watch']);
    await server.waitReady();
  });
  after(async () => {
    await server.stop('SIGKILL');
    await backend.stop();
  });

  it(`${CLIENTS} clients × ${PIPELINED} pipelined requests closed unread: in_flight returns to 0 and a normal client gets 200s`, async (t) => {
    const port = server.port;
    // One after another, as clients come and go over time.
    for (let i = 0; i < CLIENTS; i++) await pipelineAndVanish(port);
    const stuck = await inFlight(server.url);
    const started = Date.now();
    let last = await inFlight(server.url);
    while (last !== 0 && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      last = await inFlight(server.url);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const admitted = /pairec_request_duration_seconds_count\{route="\/api\/recommend",scene="default_scene",code="2xx"\} (\d+)/.exec(metrics)?.[1];
    const shed = /pairec_admission_shed_total\{reason="concurrency"\} (\d+)/.exec(metrics)?.[1];
    t.diagnostic(
      `in_flight ${String(stuck)} when the last client vanished, ${String(last)} ${Date.now() - started} ms later; answered 200 (into closed sockets): ${admitted ?? 0}, shed: ${shed ?? 0}`,
    );
    assert.equal(last, 0, `pairec_admission_in_flight returns to 0 (stuck at ${String(last)} of ${LIMIT})`);
    const aborted = [...metrics.matchAll(/pairec_backend_failures_total\{[^}]*reason="aborted"[^}]*\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    t.diagnostic(`backend calls abandoned because their request's client was gone: ${aborted}`);

    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await server.post('/api/recommend', BODY);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    t.diagnostic(`a normal client afterwards: ${statuses.filter((s) => s === 200).length}/20 × 200`);
    assert.deepEqual(
      statuses,
      Array.from({ length: 20 }, () => 200),
      'a normal client is served, not shed',
    );
    await assertNoProcessErrors(server.url);
  });
});
