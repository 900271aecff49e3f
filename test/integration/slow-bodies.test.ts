import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { ServerProcess } from '../helpers/server-process.js';
import { fastConfig, writeConfig } from '../helpers/fast-config.js';
import { metricValue } from '../helpers/raw-http.js';
import { SlowBodyAttack } from '../helpers/slow-bodies.js';
import { assertNoProcessErrors } from '../helpers/process-errors.js';
import { percentile } from '../helpers/load.js';

const ATTACKERS = 2000;
const ATTACK_MS = 15_000;
/** The server's defaults: BodyTimeoutMs 5000, MaxBodyReaders 256, max_concurrent_requests 1000. */
const BODY_TIMEOUT_MS = 5000;
const BODY = '{"uid":"7","size":10}';

describe('slow request bodies (real process, raw sockets)', () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start(writeConfig(fastConfig(), 'pairec-slow-'), ['--no-watch']);
    await server.waitReady();
  });
  after(async () => {
    await server.stop('SIGKILL');
  });

  it(`${ATTACKERS} sockets trickling a body one byte every 2 s for 15 s: a normal client's requests all 200; the attackers get 408 and are closed`, async (t) => {
    const attack = new SlowBodyAttack(server.port, 2000);
    const opening = attack.start(ATTACKERS);
    const outcomes: { status: number; ms: number }[] = [];
    const started = performance.now();
    try {
      await new Promise((r) => setTimeout(r, 1500)); // the attackers are connected and trickling
      // A normal client: one request every 200 ms (5 req/s), one at a time, until the attack ends.
      while (performance.now() - started < ATTACK_MS) {
        const t0 = performance.now();
        const status = await server
          .post('/api/recommend', BODY)
          .then(async (res) => (await res.arrayBuffer(), res.status))
          .catch(() => 0);
        outcomes.push({ status, ms: performance.now() - t0 });
        await new Promise((r) => setTimeout(r, Math.max(0, 200 - (performance.now() - t0))));
      }
    } finally {
      await opening;
      attack.stop();
    }
    const stats = attack.stats;
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const cut = (reason: string): number => Number(new RegExp(`pairec_request_body_cut_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    const ok = outcomes.filter((o) => o.status === 200);
    t.diagnostic(
      `normal client: ${ok.length}/${outcomes.length} × 200 during the attack, P50 ${percentile(
        outcomes.map((o) => o.ms),
        50,
      ).toFixed(1)} ms, P99 ${percentile(
        outcomes.map((o) => o.ms),
        99,
      ).toFixed(1)} ms; others: ${JSON.stringify(outcomes.filter((o) => o.status !== 200).map((o) => o.status))}`,
    );
    t.diagnostic(
      `attack: ${stats.opened} connections opened, ${stats.closedByServer} closed by the server, statuses ${JSON.stringify(stats.statuses)}, longest lived ${stats.longestClosedMs} ms before the server closed it, ${stats.longestOpenMs} ms among those open at the end`,
    );
    t.diagnostic(
      `server: ${cut('timeout')} cut at the body timeout, ${cut('crowded')} cut as the longest-reading over MaxBodyReaders; in_flight now ${String(metricValue(metrics, 'pairec_admission_in_flight'))}`,
    );

    assert.ok(outcomes.length >= 20, `the normal client ran through the attack (${outcomes.length} requests)`);
    assert.equal(ok.length, outcomes.length, 'every normal request answered 200 during the attack');
    assert.ok(stats.closedByServer >= ATTACKERS, `the server closed the attack connections (${stats.closedByServer})`);
    assert.deepEqual(Object.keys(stats.statuses), ['408'], 'an attacker only ever gets 408');
    // A body is cut between BodyTimeoutMs and one check interval (1 s) later; the machine is busy, so 3 s of slack.
    assert.ok(stats.longestClosedMs < BODY_TIMEOUT_MS + 3000, `no attack connection outlived the body timeout (${stats.longestClosedMs} ms)`);
    assert.ok(stats.longestOpenMs < BODY_TIMEOUT_MS + 3000, `none still open at the end had either (${stats.longestOpenMs} ms)`);
    await assertNoProcessErrors(server.url);
  });
});
