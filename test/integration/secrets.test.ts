import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../helpers/server-process.js';
import { BadBackend } from '../helpers/bad-backend.js';
import { freePort } from '../helpers/ports.js';
import { assertNoProcessErrors } from '../helpers/process-errors.js';

const EAS_TOKEN = 'CANARY-eas-7f3a91c2';
const REDIS_PASSWORD = 'CANARY-redis-0b5e44d8';
const CANARY = /CANARY-/;

function config(backendUrl: string, redisPort: number): Record<string, unknown> {
  return {
    ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0 },
    CatalogConf: { Source: 'demo', Demo: { Items: 200, Users: 20, Dim: 4, Clusters: 5, Categories: 4, Seed: 9 }, CacheDir: '' },
    AlgoConfs: [{ Name: 'ranker', Type: 'EAS', EasConf: { Processor: 'PMML', Url: backendUrl, Auth: EAS_TOKEN, Timeout: 500, RetryTimes: 1 } }],
    RecallConfs: [{ Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
    SceneConfs: { default_scene: { default: { RecallNames: ['hot_recall'] } } },
    RedisConfs: { main: { Host: '127.0.0.1', Port: redisPort, Password: REDIS_PASSWORD, ConnectTimeout: 200, ReadTimeout: 100 } },
    FilterConfs: [{ Name: 'redis_exposure', FilterType: 'User2ItemExposureFilter', DaoConf: { AdapterType: 'redis', RedisName: 'main' } }],
    FilterNames: { default_scene: ['redis_exposure'] },
    RankConf: { default_scene: { RankAlgoList: ['ranker'] } },
    performance: { request_timeout_ms: 2000 },
  };
}

describe('secrets never surface (real process)', () => {
  it('a canary EAS token and Redis password appear in no error body, no /metrics and no log line, through backend errors and rejected reloads', async (t) => {
    // A hostile backend that echoes the Authorization header it received, in an error and in a malformed reply.
    const backend = await BadBackend.start();
    t.after(() => backend.close());
    let n = 0;
    backend.script((req, _body, res) => {
      const auth = String(req.headers.authorization);
      if (n++ % 2 === 0) res.writeHead(500, { 'content-type': 'text/plain' }).end(`denied for ${auth}`);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(`{"not a list": "${auth}"}`);
    });
    const dir = mkdtempSync(join(tmpdir(), 'pairec-secrets-'));
    const path = join(dir, 'config.json');
    const good = config(`${backend.base}/api/predict/m`, await freePort());
    writeFileSync(path, JSON.stringify(good));
    const server = await ServerProcess.start(path);
    t.after(() => server.stop('SIGKILL'));
    await server.waitReady();

    const bodies: string[] = [];
    for (let i = 0; i < 10; i++) {
      for (const [route, body] of [
        ['/api/recommend', '{"uid":"1"}'],
        ['/api/callback', '{"uid":"1","item_list":[{"item_id":"1"}]}'],
      ] as const) {
        const res = await server.post(route, body);
        bodies.push(`${res.status} ${await res.text()}`);
      }
    }
    assert.ok(
      backend.calls.some((c) => c.headers.authorization === EAS_TOKEN),
      'the token was sent to the backend, which echoed it',
    );
    assert.ok(
      bodies.some((b) => /^50[23] /.test(b)),
      `the backend failures reached clients as errors: ${bodies[0] ?? ''}`,
    );

    // Rejected reloads whose problems sit right at the secrets.
    const rejected = (from: number) => server.waitFor((l) => server.lines.indexOf(l) >= from && String(l.msg).startsWith('config reload rejected'));
    const reloads = [
      JSON.stringify(good).replace(`"${EAS_TOKEN}"`, EAS_TOKEN), // unquoted: V8 quotes the text around it
      JSON.stringify({
        ...good,
        AlgoConfs: [{ Name: 'ranker', Type: 'EAS', EasConf: { Processor: 'PMML', Url: 'http://127.0.0.1:1/x', Auth: { token: EAS_TOKEN } } }],
      }),
      JSON.stringify({ ...good, RedisConfs: { main: { Host: '127.0.0.1', Password: REDIS_PASSWORD.repeat(60) } } }),
      JSON.stringify({ ...good, RedisConfs: { main: { Host: '127.0.0.1', Password: REDIS_PASSWORD, [REDIS_PASSWORD]: 1 } } }).replace(
        `"${REDIS_PASSWORD}":1`,
        `"x":1`,
      ),
      JSON.stringify({
        ...good,
        AlgoConfs: [{ Name: 'ranker', Type: 'EAS', EasConf: { Processor: 'PMML', Url: `http://u:${EAS_TOKEN}@169.254.169.254/x`, Auth: EAS_TOKEN } }],
      }),
    ];
    for (const text of reloads) {
      const from = server.lines.length;
      writeFileSync(`${path}.tmp`, text);
      renameSync(`${path}.tmp`, path);
      await rejected(from);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const ready = await (await fetch(`${server.url}/ready`)).text();
    await assertNoProcessErrors(server.url);

    const logs = server.lines.map((l) => JSON.stringify(l));
    t.diagnostic(
      `${bodies.length} replies (${[...new Set(bodies.map((b) => b.slice(0, 3)))].join(', ')}), ${logs.length} log lines, /metrics ${metrics.length} bytes, ${reloads.length} rejected reloads checked`,
    );
    assert.deepEqual(
      bodies.filter((b) => CANARY.test(b)),
      [],
      'no error body',
    );
    assert.doesNotMatch(metrics, CANARY, '/metrics');
    assert.doesNotMatch(ready, CANARY, '/ready');
    assert.deepEqual(
      logs.filter((l) => CANARY.test(l)).map((l) => l.slice(0, 300)),
      [],
      'no log line',
    );
    assert.doesNotMatch(server.stderr, CANARY, 'stderr');
  });
});
