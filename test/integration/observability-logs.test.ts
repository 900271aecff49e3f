import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smallConfig } from '../helpers/config.js';
import { ServerProcess } from '../helpers/server-process.js';
import type { LogLine } from '../helpers/server-process.js';
import { RedisServer } from '../helpers/redis.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';

// Secrets the config holds; none may reach the log, whatever happens.
const EAS_TOKEN = 'eas-canary-4f1d9b0c2a7e';
const REDIS_PASSWORD = 'redis-canary-9e8d7c6b5a41';
const PROFILING_TOKEN = 'profiling-canary-31c5e0a9d8b2';
const CANARIES = [EAS_TOKEN, REDIS_PASSWORD, PROFILING_TOKEN];

const dir = mkdtempSync(join(tmpdir(), 'pairec-logs-'));
const configPath = join(dir, 'config.json');
function writeConfig(config: unknown): void {
  writeFileSync(`${configPath}.tmp`, JSON.stringify(config));
  renameSync(`${configPath}.tmp`, configPath);
}

describe('logs: one line per recommend request, no secrets', { skip: await skipUnlessInstalled('redis') }, () => {
  let server: ServerProcess;
  let redis: RedisServer;
  let backend: Server;
  let config: Record<string, unknown>;

  before(async () => {
    redis = await RedisServer.start();
    // Set after start: the helper's readiness probe is an unauthenticated PING.
    const admin = redis.client();
    await admin.config('SET', 'requirepass', REDIS_PASSWORD);
    admin.disconnect();
    // An EAS backend that always fails: every eas_scene request takes an error path.
    backend = createServer((_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('model crashed'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const addr = backend.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const base = smallConfig();
    config = {
      ...base,
      LogConf: { LogLevel: 'trace' },
      AlgoConfs: [
        ...(base.AlgoConfs as unknown[]),
        { Name: 'eas_model', Type: 'EAS', EasConf: { Processor: 'PMML', Url: `http://127.0.0.1:${port}/api/predict/m`, Auth: EAS_TOKEN, Timeout: 300 } },
      ],
      RedisConfs: { main: { Host: '127.0.0.1', Port: redis.port, Password: REDIS_PASSWORD } },
      FilterConfs: [
        {
          Name: 'redis_exposure',
          FilterType: 'User2ItemExposureFilter',
          TimeInterval: 3600,
          MaxItems: 500,
          DaoConf: { AdapterType: 'redis', RedisName: 'main', RedisPrefix: 'exp:' },
        },
      ],
      SceneConfs: {
        ...(base.SceneConfs as Record<string, unknown>),
        eas_scene: { default: { RecallNames: ['hot_recall'] } },
        eas_fallback_scene: { default: { RecallNames: ['hot_recall'], FallbackConfig: { Size: 20 } } },
      },
      FilterNames: { default_scene: ['UniqueFilter', 'redis_exposure'] },
      RankConf: {
        ...(base.RankConf as Record<string, unknown>),
        eas_scene: { RankAlgoList: ['eas_model'] },
        eas_fallback_scene: { RankAlgoList: ['eas_model'] },
      },
      monitoring: { profiling: { enabled: true, token: PROFILING_TOKEN } },
    };
    writeConfig(config);
    server = await ServerProcess.start(configPath);
    await server.waitReady();
  });

  after(async () => {
    await server?.stop();
    await redis?.stop();
    await new Promise((r) => backend?.close(r));
  });

  const recommendLines = (from: number): LogLine[] => server.since(from, (l) => l.msg === 'recommend');

  it('writes one structured line per request, with its outcome', async () => {
    const from = server.lines.length;
    const ok = await server.post('/api/recommend', JSON.stringify({ uid: 'u1', size: 5, request_id: 'rq-ok' }));
    assert.equal(ok.status, 200);
    const failed = await server.post('/api/recommend', JSON.stringify({ uid: 'u1', scene_id: 'eas_scene', request_id: 'rq-eas' }));
    assert.ok(failed.status >= 500, `eas_scene answers ${failed.status}`);
    const fellBack = await server.post('/api/recommend', JSON.stringify({ uid: 'u1', size: 7, scene_id: 'eas_fallback_scene', request_id: 'rq-fb' }));
    assert.equal(fellBack.status, 200);
    const bad = await server.post('/api/recommend', '{"uid":');
    assert.equal(bad.status, 400);
    const unknown = await server.post('/api/recommend', JSON.stringify({ uid: 'u1', scene_id: 'nope', request_id: 'rq-404' }));
    assert.equal(unknown.status, 404);
    await fetch(`${server.url}/health`); // other routes write no line

    // The line is written when the response is done: wait for the last one.
    await server.waitFor((l) => l.msg === 'recommend' && l.request_id === 'rq-404', 10_000);
    const lines = recommendLines(from);
    assert.equal(lines.length, 5, JSON.stringify(lines));
    const [l1, l2, l3, l4, l5] = lines;
    assert.deepEqual(
      { request_id: l1?.request_id, scene: l1?.scene, status: l1?.status, items: l1?.items, fallback: l1?.fallback, level: l1?.level },
      { request_id: 'rq-ok', scene: 'default_scene', status: 200, items: 5, fallback: false, level: 30 },
    );
    assert.ok(typeof l1?.latency_ms === 'number' && l1.latency_ms > 0);
    assert.equal(l1?.uid, undefined, 'the uid is not logged');
    assert.equal(l2?.request_id, 'rq-eas');
    assert.ok(Number(l2?.status) >= 500);
    assert.equal(typeof l2?.error_code, 'string');
    assert.equal(l2?.items, 0);
    assert.deepEqual([l3?.request_id, l3?.status, l3?.items, l3?.fallback], ['rq-fb', 200, 7, true]);
    assert.deepEqual([l4?.status, l4?.error_code], [400, 'ERR_MALFORMED_JSON']);
    assert.deepEqual([l5?.request_id, l5?.scene, l5?.status, l5?.error_code], ['rq-404', 'nope', 404, 'ERR_UNKNOWN_SCENE']);
  });

  it('serves a real CPU profile and heap snapshot to the token holder only', async () => {
    const none = await fetch(`${server.url}/debug/pprof/profile?seconds=1`);
    assert.equal(none.status, 401);
    const wrong = await fetch(`${server.url}/debug/pprof/profile?seconds=1`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    assert.equal(wrong.status, 403);
    const auth = { authorization: `Bearer ${PROFILING_TOKEN}` };
    const load = Promise.all(
      Array.from({ length: 20 }, (_, i) => server.post('/api/recommend', JSON.stringify({ uid: `u${i}` })).then((r) => r.arrayBuffer())),
    );
    const res = await fetch(`${server.url}/debug/pprof/profile?seconds=1`, { headers: auth });
    await load;
    assert.equal(res.status, 200);
    const profile = (await res.json()) as { nodes: { callFrame: { functionName: string } }[]; startTime: number; endTime: number; samples: number[] };
    assert.ok(profile.nodes.length > 1 && profile.samples.length > 0 && profile.endTime > profile.startTime);
    const heap = await fetch(`${server.url}/debug/pprof/heap`, { headers: auth });
    assert.equal(heap.status, 200);
    const snap = (await heap.json()) as { snapshot: { meta: { node_fields: string[] }; node_count: number } };
    assert.ok(snap.snapshot.meta.node_fields.length > 0 && snap.snapshot.node_count > 0);
  });

  it('never logs a secret: requests, error paths, profiling, reloads good and bad', async () => {
    // A reload that applies (a changed algorithm is rebuilt) ...
    writeConfig({
      ...config,
      ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0, MaxSize: 400 },
      AlgoConfs: [...(config.AlgoConfs as unknown[]), { Name: 'x_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'x' } }],
    });
    await server.waitFor((l) => l.msg === 'config reloaded', 30_000);
    // ... one rejected by the schema with the secrets in it, one with a secret in the wrong place ...
    const from = server.lines.length;
    writeConfig({ ...config, monitoring: { profiling: { enabled: true, token: `${PROFILING_TOKEN}${'!'.repeat(600)}` } } });
    await server.waitFor((l) => server.lines.indexOf(l) >= from && l.msg === 'config reload rejected; the running config keeps serving', 30_000);
    const from2 = server.lines.length;
    writeConfig({ ...config, RedisConfs: { main: { Host: '127.0.0.1', Port: redis.port, Password: REDIS_PASSWORD, DbNum: EAS_TOKEN } } });
    await server.waitFor((l) => server.lines.indexOf(l) >= from2 && l.msg === 'config reload rejected; the running config keeps serving', 30_000);
    // ... and one whose Redis password is wrong: the connection fails and is logged.
    const from3 = server.lines.length;
    writeConfig({ ...config, RedisConfs: { main: { Host: '127.0.0.1', Port: redis.port, Password: `${REDIS_PASSWORD}-old` } } });
    await server.waitFor((l) => server.lines.indexOf(l) >= from3 && (l.msg === 'config reloaded' || String(l.msg).includes('rejected')), 30_000);
    for (let i = 0; i < 3; i++) {
      await server.post('/api/recommend', JSON.stringify({ uid: 'u2', scene_id: 'eas_scene' })).then((r) => r.arrayBuffer());
      await server.post('/api/recommend', JSON.stringify({ uid: 'u2' })).then((r) => r.arrayBuffer());
    }
    await fetch(`${server.url}/debug/pprof/heap`, { headers: { authorization: `Bearer ${REDIS_PASSWORD}` } });
    await server.stop();

    const text = `${server.lines.map((l) => JSON.stringify(l)).join('\n')}\n${server.stderr}`;
    // The log did record the events (so the absence below means something).
    assert.ok(server.lines.some((l) => l.msg === 'config reload rejected; the running config keeps serving'));
    assert.ok(server.lines.some((l) => l.msg === 'recommend' && Number(l.status) >= 500));
    assert.ok(server.lines.length > 20);
    for (const c of CANARIES) assert.ok(!text.includes(c), `the log holds ${c}`);
  });
});
