import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Engine } from '../../src/engine/engine.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { buildApp } from '../../src/server/app.js';
import type { ServerState } from '../../src/server/state.js';
import { MASK, maskSecrets } from '../../src/server/console/mask.js';
import { parseSamples } from '../../src/server/console/metrics-text.js';
import type { ConsoleOverview, ConsoleStats } from '../../src/server/console/overview.js';
import { ExplainRecorder } from '../../src/pipeline/explain/recorder.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

const TOKEN = 'console-token-0123456789abcdef';
const PAGES = ['/console', '/console/', '/console/console.js', '/console/console.css'];
const APIS = ['/console/api/overview', '/console/api/stats'];

function config(monitoring: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    CatalogConf: { Source: 'demo', Demo: { Items: 60, Users: 5, Dim: 4, Clusters: 4, Categories: 2, Seed: 3 }, CacheDir: '' },
    AlgoConfs: [{ Name: 'pop', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } }],
    RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
    SceneConfs: { default_scene: { default: { RecallNames: ['hot'] } } },
    RankConf: { default_scene: { RankAlgoList: ['pop'] } },
    ...(monitoring ? { monitoring } : {}),
  };
}

const engines: Engine[] = [];

async function appWith(monitoring: Record<string, unknown> | undefined, state: ServerState = { draining: false, loadError: false }): Promise<FastifyInstance> {
  const metrics = testMetrics();
  const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
  engines.push(engine);
  await engine.apply(engine.parse(config(monitoring)));
  const app = buildApp({ engine, metrics, logger: silentLogger, state, bodyLimit: 65536 });
  await app.ready();
  return app;
}

const recommend = (app: FastifyInstance, body: Record<string, unknown>, remoteAddress = '127.0.0.1', authorization?: string) =>
  app.inject({ method: 'POST', url: '/api/recommend', remoteAddress, payload: body, headers: authorization ? { authorization } : {} });

describe('console routes', () => {
  const apps: FastifyInstance[] = [];
  after(async () => {
    for (const a of apps) await a.close();
    for (const e of engines) await e.close();
  });

  it('are off by default: every console route is 404 as an unknown route, and explain is refused with 400', async () => {
    const app = await appWith(undefined);
    apps.push(app);
    const unknown = await app.inject({ url: '/no-such-route', remoteAddress: '127.0.0.1' });
    for (const url of [...PAGES, ...APIS]) {
      const res = await app.inject({ url, remoteAddress: '127.0.0.1' });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json<{ error_code: string }>().error_code, 'ERR_NOT_FOUND');
      assert.equal(res.headers['content-type'], unknown.headers['content-type']);
    }
    // No recorder is made for a request that does not ask (the stages test one undefined).
    const made = { n: 0 };
    const recalled = ExplainRecorder.prototype.recalled;
    ExplainRecorder.prototype.recalled = function (this: ExplainRecorder, ...args) {
      made.n++;
      return recalled.apply(this, args);
    };
    try {
      const plain = await recommend(app, { uid: '1', size: 5, debug: true });
      assert.equal(plain.statusCode, 200);
      assert.equal('explain' in plain.json<object>(), false);
      assert.equal(made.n, 0);
    } finally {
      ExplainRecorder.prototype.recalled = recalled;
    }
    const explain = await recommend(app, { uid: '1', size: 5, explain: true });
    assert.equal(explain.statusCode, 400);
    assert.deepEqual([explain.json<{ error_code: string }>().error_code, explain.json<{ field: string }>().field], ['ERR_INVALID_FIELD', 'explain']);
  });

  it('without a token serve loopback callers only, page and data', async () => {
    const app = await appWith({ console: { enabled: true } });
    apps.push(app);
    for (const url of [...PAGES, ...APIS]) {
      const far = await app.inject({ url, remoteAddress: '10.1.2.3' });
      assert.equal(far.statusCode, 403, url);
      const near = await app.inject({ url, remoteAddress: '::ffff:127.0.0.1' });
      assert.equal(near.statusCode, 200, url);
    }
    const page = await app.inject({ url: '/console', remoteAddress: '127.0.0.1' });
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    const js = await app.inject({ url: '/console/console.js', remoteAddress: '127.0.0.1' });
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal((await recommend(app, { uid: '1', explain: true }, '10.1.2.3')).statusCode, 403);
    assert.equal((await recommend(app, { uid: '1', explain: true })).statusCode, 200);
  });

  it('with a token serve the page to anyone, and the data and explain only to the token', async () => {
    const app = await appWith({ console: { enabled: true, token: TOKEN } });
    apps.push(app);
    for (const url of PAGES) assert.equal((await app.inject({ url, remoteAddress: '192.0.2.7' })).statusCode, 200, url);
    for (const url of APIS) {
      const none = await app.inject({ url, remoteAddress: '127.0.0.1' });
      assert.equal(none.statusCode, 401, url);
      assert.equal(none.headers['www-authenticate'], 'Bearer');
      const wrong = await app.inject({ url, remoteAddress: '127.0.0.1', headers: { authorization: `Bearer ${TOKEN}x` } });
      assert.equal(wrong.statusCode, 403, url);
      assert.ok(!wrong.body.includes(TOKEN));
      const ok = await app.inject({ url, remoteAddress: '192.0.2.7', headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.statusCode, 200, url);
      assert.ok(!ok.body.includes(TOKEN), 'the console token is masked in the config it shows');
    }
    assert.equal((await recommend(app, { uid: '1', explain: true }, '127.0.0.1')).statusCode, 401);
    assert.equal((await recommend(app, { uid: '1', explain: true }, '192.0.2.7', `Bearer ${TOKEN}`)).statusCode, 200);
  });

  it('overview shows the config with secrets masked, its signature, last reload, algorithms and the catalog', async () => {
    const state: ServerState = {
      draining: false,
      loadError: false,
      lastReload: { at: '2026-12-07T00:00:00.000Z', trigger: 'SIGHUP', ok: false, problems: ['AlgoConfs[0].Type: unknown'] },
    };
    const app = await appWith({ console: { enabled: true, token: TOKEN } }, state);
    apps.push(app);
    await recommend(app, { uid: '1', size: 5 });
    const res = await app.inject({ url: '/console/api/overview', remoteAddress: '127.0.0.1', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.ok(!res.body.includes(TOKEN), 'the token never leaves');
    const o = res.json<ConsoleOverview>();
    assert.match(o.signature ?? '', /^[0-9a-f]{8,}/);
    assert.deepEqual(o.last_reload, state.lastReload);
    assert.deepEqual(o.scenes, ['default_scene']);
    assert.deepEqual(
      o.algorithms.map((a) => [a.name, a.type]),
      [['pop', 'LOOKUP']],
    );
    assert.ok((o.algorithms[0]?.requests ?? 0) >= 1);
    assert.equal(o.catalog?.items, 60);
    assert.ok(o.catalog?.loaded_at && Date.parse(o.catalog.loaded_at) > Date.now() - 600_000);
    const shown = (o.config as { monitoring: { console: { token: string; enabled: boolean } } }).monitoring.console;
    assert.deepEqual(shown, { enabled: true, token: MASK });
  });

  it('stats count the recommend requests of each scene, by status class, in histogram buckets', async () => {
    const app = await appWith({ console: { enabled: true } });
    apps.push(app);
    for (let i = 0; i < 3; i++) await recommend(app, { uid: String(i), size: 5 });
    await recommend(app, { uid: '1', scene_id: 'no_such_scene' });
    const s = (await app.inject({ url: '/console/api/stats', remoteAddress: '127.0.0.1' })).json<ConsoleStats>();
    assert.equal(s.metrics, true);
    const scene = s.scenes['default_scene'];
    assert.equal(scene?.count, 3);
    assert.equal(scene?.errors_5xx, 0);
    assert.equal(s.le.at(-1), -1, '+Inf last');
    assert.equal(scene?.buckets.at(-1), 3);
    // The unknown scene is labelled 'none' (a closed label set), counted as a 4xx.
    assert.equal(s.scenes['none']?.errors_4xx, 1);
  });
});

describe('console helpers', () => {
  it('mask passwords, tokens, DSNs, Authorization headers and URL passwords; keep the rest', () => {
    const masked = maskSecrets({
      RedisConfs: { a: { Password: 'S1', Host: 'h' } },
      AlgoConfs: [{ EasConf: { Auth: 'S2', Url: 'http://u:S3@eas/api', Timeout: 5 } }],
      Hologres: { DSN: 'postgres://x:S4@h/db', Empty: '' },
      Remote: { Headers: { Authorization: 'Bearer S5', Accept: 'json' }, Auth: { User: 'S6', Key: 'S7' } },
      monitoring: { console: { token: 'S8' }, profiling: { enabled: true } },
      Lists: { ApiKey: ['S9'] },
    });
    const text = JSON.stringify(masked);
    for (let i = 1; i <= 9; i++) assert.ok(!text.includes(`S${i}`), `S${i}`);
    for (const kept of ['"Host":"h"', 'http://u:***@eas/api', '"Accept":"json"', '"Empty":""', '"Timeout":5', '"enabled":true'])
      assert.ok(text.includes(kept), kept);
  });

  it('read samples from the text format', () => {
    const text = '# HELP x y\nx_bucket{le="0.1",scene="a b",q="say \\"hi\\""} 3\nx_bucket{le="+Inf"} 4\nother 9\nplain 2.5\n';
    const s = parseSamples(text, new Set(['x_bucket', 'plain']));
    assert.deepEqual(s, [
      { name: 'x_bucket', labels: { le: '0.1', scene: 'a b', q: 'say "hi"' }, value: 3 },
      { name: 'x_bucket', labels: { le: '+Inf' }, value: 4 },
      { name: 'plain', labels: {}, value: 2.5 },
    ]);
  });
});
