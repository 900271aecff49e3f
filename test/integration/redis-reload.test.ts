import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { LookupAlgorithm } from '../../src/algorithm/lookup/lookup.js';
import { PairecError } from '../../src/errors.js';
import { RedisServer } from '../helpers/redis.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { probeType } from '../helpers/probe-type.js';
import type { ProbeLog } from '../helpers/probe-type.js';

const skip = await skipUnlessInstalled('redis');

/** A config on the given RedisConfs: `main` holds the users' lists and the exposures. */
function config(redis: Record<string, { Port: number; ReadTimeout?: number }>, extra: Record<string, unknown> = {}, count = 10): Record<string, unknown> {
  return {
    RedisConfs: redis,
    RecallConfs: [
      { Name: 'custom', RecallType: 'UserCustomRecall', RecallCount: count, DaoConf: { AdapterType: 'redis', RedisName: 'main', RedisPrefix: 'u2i:' } },
    ],
    SceneConfs: { s: { default: { RecallNames: ['custom'] } } },
    FilterConfs: [{ Name: 'exposed', FilterType: 'User2ItemExposureFilter', DaoConf: { AdapterType: 'redis', RedisName: 'main', RedisPrefix: 'exp:' } }],
    FilterNames: { s: ['exposed'] },
    ...extra,
  };
}

/** Ids of the connections a server holds, other than `admin`'s own. */
async function connections(admin: Redis): Promise<string[]> {
  const me = String(await admin.client('ID'));
  const list = String(await admin.client('LIST'));
  return list
    .split('\n')
    .map((l) => /^id=(\d+) /.exec(l)?.[1])
    .filter((id): id is string => id !== undefined && id !== me)
    .sort();
}

/** Polls until `ok` holds for the server's connections (closing and connecting are asynchronous). */
async function until(admin: Redis, ok: (ids: string[]) => boolean, what: string): Promise<string[]> {
  const end = Date.now() + 5000;
  for (;;) {
    const ids = await connections(admin);
    if (ok(ids)) return ids;
    assert.ok(Date.now() < end, `${what}: connections ${JSON.stringify(ids)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('Redis clients across reloads (real redis-server, counted with CLIENT LIST)', { skip }, () => {
  let a: RedisServer;
  let b: RedisServer;
  let adminA: Redis;
  let adminB: Redis;
  let engine: Engine;
  const log: ProbeLog = { events: [], gate: undefined };

  before(async () => {
    [a, b] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    adminA = a.client();
    adminB = b.client();
    await Promise.all([adminA.ping(), adminB.ping()]);
    const registry = createDefaultRegistry();
    registry.registerType(probeType(log));
    engine = new Engine({ registry, metrics: testMetrics(), logger: silentLogger });
  });
  after(async () => {
    // Every client and server is closed, whatever failed above: nothing keeps the process alive.
    await engine?.close();
    adminA?.disconnect();
    adminB?.disconnect();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('keeps clients across a reload that does not change RedisConfs; closes removed and changed entries', async () => {
    await engine.reload(config({ main: { Port: a.port }, aux: { Port: a.port } }));
    const first = await until(adminA, (ids) => ids.length === 2, 'main and aux connected');

    await engine.reload(config({ main: { Port: a.port }, aux: { Port: a.port } }, {}, 20)); // RecallCount changed only
    await adminA.set('u2i:u1', '1:3,2:2,3:1');
    // A reload makes its new clients ready before serving them: no request fails on a fresh connection.
    const res = await recommend(engine, { requestId: 'r', uid: 'u1', size: 5, sceneId: 's', category: 'default', features: {}, debug: false });
    assert.deepEqual(
      res.items.map((c) => c.itemId),
      ['1', '2', '3'],
      'the reloaded config reads through the kept client',
    );
    await settle();
    assert.deepEqual(await connections(adminA), first, 'the same two connections: none closed, none opened');

    await engine.reload(config({ main: { Port: a.port } })); // aux removed
    const left = await until(adminA, (ids) => ids.length === 1, 'aux closed');
    assert.ok(first.includes(left[0] ?? ''), 'main kept its connection');

    await engine.reload(config({ main: { Port: b.port } })); // main changed
    await until(adminA, (ids) => ids.length === 0, 'old main closed');
    await until(adminB, (ids) => ids.length === 1, 'new main connected');
  });

  it('a reload serves new clients only once they are ready: the first request after it reads Redis', async () => {
    await adminB.set('u2i:u9', '5:1');
    for (let i = 0; i < 5; i++) {
      await engine.reload(config({ main: { Port: b.port, ReadTimeout: 300 + i } })); // changed: a new client each time
      const res = await recommend(engine, { requestId: 'r', uid: 'u9', size: 5, sceneId: 's', category: 'default', features: {}, debug: true });
      assert.deepEqual(
        res.items.map((c) => c.itemId),
        ['5'],
        JSON.stringify(res.trace),
      );
    }
    await until(adminB, (ids) => ids.length === 1, 'the replaced clients closed');
  });

  it('a reload failing after its clients were staged leaves the serving config on its own clients and closes the staged ones', async () => {
    // Serving: main on B (the previous test's last config).
    const serving = await until(adminB, (ids) => ids.length === 1, 'main on B');
    let open!: () => void;
    log.buildGate = new Promise<void>((r) => (open = r));
    // Main moves to A, and an algorithm "late" builds slowly...
    const reload = engine.reload(config({ main: { Port: a.port } }, { AlgoConfs: [{ Name: 'late', Type: 'PROBE', ProbeConf: { Value: 1 } }] }));
    reload.catch(() => undefined);
    for (let i = 0; i < 200 && !log.events.some((e) => e.startsWith('build late')); i++) await new Promise((r) => setTimeout(r, 10));
    // ...while code registers an instance of the same name: the reload fails at its very end.
    engine.registerAlgorithm(new LookupAlgorithm('late', { FieldName: 'x', DefaultScore: 0.5 }, () => undefined));
    log.buildGate = undefined;
    open();
    await assert.rejects(reload, (e: unknown) => e instanceof PairecError && e.code === 'ERR_DUPLICATE_REGISTRATION');

    await until(adminA, (ids) => ids.length === 0, 'the staged client on A closed');
    await settle();
    assert.deepEqual(await connections(adminB), serving, 'the serving client on B untouched');
    // The serving config still reads and writes B.
    await adminB.set('u2i:u2', '7:1,8:0.5');
    const res = await recommend(engine, { requestId: 'r', uid: 'u2', size: 5, sceneId: 's', category: 'default', features: {}, debug: false });
    assert.deepEqual(
      res.items.map((c) => c.itemId),
      ['7', '8'],
    );
    const exposures = engine.exposures;
    assert.ok(exposures);
    await exposures.add('u2', ['7'], Date.now());
    assert.deepEqual(await adminB.zrange('exp:u2', 0, -1), ['7']);
    assert.equal(await adminA.exists('exp:u2'), 0);
  });
});
