import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { ConfigError } from '../../src/errors.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import { RedisServer } from '../helpers/redis.js';
import { PostgresServer } from '../helpers/postgres.js';
import { MariadbServer } from '../helpers/mariadb.js';
import { ServerProcess } from '../helpers/server-process.js';
import { fastConfig, writeConfig } from '../helpers/fast-config.js';
import { curlBytes, rawRequest } from '../helpers/curl-bytes.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

/**
 * PaiRec's collaborative-filter recalls against real Redis, PostgreSQL (Hologres) and
 * MariaDB (MySQL) holding the same random data: UserCollaborativeFilterRecall's u2i2i
 * scores equal a brute-force reference computed here; ItemCollaborativeFilterRecall lists
 * the request's item_id, through a real server in the strict and the PaiRec API mode.
 */
const skip = (await skipUnlessInstalled('redis')) || (await skipUnlessInstalled('postgres')) || (await skipUnlessInstalled('mariadb'));

const USERS = 30;
const ITEMS = 200;
const TRIGGERS = 8;
const RECALL_COUNT = 10;

/** A small seeded generator (mulberry32): the same data on every run and in every store. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Data {
  /** uid → the row's entries as stored: `item` or `item:weight`, most recent first (duplicates possible). */
  readonly users: Map<string, string[]>;
  /** item → its neighbours, `item:similarity`. */
  readonly i2i: Map<string, string[]>;
}

function makeData(): Data {
  const r = random(19);
  const item = (): string => `i${Math.floor(r() * ITEMS)}`;
  const users = new Map<string, string[]>();
  for (let u = 0; u < USERS; u++) {
    const n = Math.floor(r() * 12); // 0..11 entries: some users have none, some more than TRIGGERS
    users.set(
      `u${u}`,
      Array.from({ length: n }, () => (r() < 0.2 ? item() : `${item()}:${1 + Math.floor(r() * 5)}`)),
    );
  }
  const i2i = new Map<string, string[]>();
  for (let i = 0; i < ITEMS; i++) {
    const n = Math.floor(r() * 16); // up to 15: longer than RECALL_COUNT, which bounds each list read
    i2i.set(
      `i${i}`,
      Array.from({ length: n }, () => `${item()}:${r()}`),
    );
  }
  return { users, i2i };
}

/**
 * The reference, by brute force from the stored text: the first TRIGGERS entries, each
 * item once at its first weight (1 when absent); each trigger's first RECALL_COUNT
 * neighbours; a neighbour's score is Σ weight × similarity, the triggers themselves left
 * out; best RECALL_COUNT; divided by the best score when normalized.
 */
function reference(data: Data, uid: string, normalize: boolean): [string, number][] {
  const weights: [string, number][] = [];
  for (const e of (data.users.get(uid) ?? []).slice(0, TRIGGERS)) {
    const [id = '', w] = e.split(':');
    if (!weights.some(([h]) => h === id)) weights.push([id, w === undefined ? 1 : Number(w)]);
  }
  const scores = new Map<string, number>();
  for (const [h, w] of weights) {
    for (const e of (data.i2i.get(h) ?? []).slice(0, RECALL_COUNT)) {
      const [n = '', s = '0'] = e.split(':');
      if (weights.some(([t]) => t === n)) continue;
      scores.set(n, (scores.get(n) ?? 0) + w * Number(s));
    }
  }
  const top = [...scores].sort((a, b) => b[1] - a[1]).slice(0, RECALL_COUNT);
  const best = top[0]?.[1] ?? 0;
  return normalize && best > 0 ? top.map(([id, s]) => [id, s / best]) : top;
}

const request = (uid: string, sceneId: string, itemId?: string): RecommendRequest => ({
  requestId: 'r',
  uid,
  size: RECALL_COUNT,
  sceneId,
  category: 'default',
  features: {},
  debug: true,
  ...(itemId === undefined ? {} : { itemId }),
});

/** The source's items by recall score, best first. */
const fromSource = (items: readonly { itemId: string; retrieveId: string; recallScore: number }[], ...names: string[]): [string, number][] =>
  items
    .filter((c) => names.includes(c.retrieveId))
    .map((c): [string, number] => [c.itemId, c.recallScore])
    .sort((a, b) => b[1] - a[1]);

function assertSameScores(got: readonly [string, number][], want: readonly [string, number][], what: string): void {
  assert.deepEqual(
    got.map(([id]) => id),
    want.map(([id]) => id),
    what,
  );
  got.forEach(([, s], i) => assert.ok(Math.abs(s - (want[i]?.[1] ?? Number.NaN)) < 1e-9, `${what}: score ${i}`));
}

/** An i2i list of the request-item recall, PaiRec's `id[:retrieve_id[:score]]` entries. */
const ITEM_LIST = 'p2::0.9,p3:similar_job:0.5,p4';

function engineConfig(redisPort: number, pgUrl: string, mysqlDsn: string, i2iTable = 'item_i2i'): Record<string, unknown> {
  const holo = { AdapterType: 'hologres', HologresName: 'holo' };
  const my = { AdapterType: 'mysql', MysqlName: 'db' };
  return {
    CatalogConf: { Demo: { Items: 50, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
    RedisConfs: { main: { Port: redisPort, ReadTimeout: 1000 } },
    HologresConfs: { holo: { DSN: pgUrl, QueryTimeout: 1000, ConnectTimeout: 500 } },
    MysqlConfs: { db: { DSN: mysqlDsn, QueryTimeout: 1000, ConnectTimeout: 500 } },
    RecallConfs: [
      {
        Name: 'ucf_redis',
        RecallType: 'UserCollaborativeFilterRecall',
        RecallCount: RECALL_COUNT,
        UserCollaborativeDaoConf: { AdapterType: 'redis', RedisName: 'main', User2ItemTable: 'hist:', Item2ItemTable: 'i2i:', TriggerCount: TRIGGERS },
      },
      {
        Name: 'ucf_holo',
        RecallType: 'UserCollaborativeFilterRecall',
        RecallCount: RECALL_COUNT,
        UserCollaborativeDaoConf: { ...holo, User2ItemTable: 'u2i', Item2ItemTable: 'public.i2i', TriggerCount: TRIGGERS, Normalization: 'on' },
      },
      {
        Name: 'ucf_mysql',
        RecallType: 'UserCollaborativeFilterRecall',
        RecallCount: RECALL_COUNT,
        UserCollaborativeDaoConf: { ...my, User2ItemTable: 'u2i', Item2ItemTable: 'i2i', TriggerCount: TRIGGERS, Normalization: 'off' },
      },
      {
        Name: 'icf_redis',
        RecallType: 'ItemCollaborativeFilterRecall',
        RecallCount: 2,
        ItemCollaborativeDaoConf: { AdapterType: 'redis', RedisName: 'main', Item2ItemTable: 'sim:' },
      },
      { Name: 'icf_holo', RecallType: 'ItemCollaborativeFilterRecall', RecallCount: 2, ItemCollaborativeDaoConf: { ...holo, Item2ItemTable: i2iTable } },
      { Name: 'icf_mysql', RecallType: 'ItemCollaborativeFilterRecall', RecallCount: 2, ItemCollaborativeDaoConf: { ...my, Item2ItemTable: 'item_i2i' } },
    ],
    SceneConfs: Object.fromEntries(
      ['ucf_redis', 'ucf_holo', 'ucf_mysql', 'icf_redis', 'icf_holo', 'icf_mysql'].map((n) => [n, { default: { RecallNames: [n] } }]),
    ),
    performance: { request_timeout_ms: 3000 },
  };
}

describe('collaborative-filter recalls (real Redis, PostgreSQL, MariaDB)', { skip }, () => {
  const data = makeData();
  let redis: RedisServer | undefined;
  let admin: Redis | undefined;
  let pg: PostgresServer | undefined;
  let maria: MariadbServer | undefined;
  let engine: Engine | undefined;

  before(async () => {
    [redis, pg, maria] = await Promise.all([RedisServer.start(), PostgresServer.start(), MariadbServer.start()]);
    admin = redis.client();
    const p = admin.pipeline();
    for (const [uid, entries] of data.users) if (entries.length > 0) p.rpush(`hist:${uid}`, ...entries);
    for (const [id, list] of data.i2i) p.set(`i2i:${id}`, list.join(','));
    p.set('sim:p1', 'p2:0.9,p3:0.5,p4:0.1');
    await p.exec();
    // PaiRec's layouts: Hologres u2i (user_id, item_ids), i2i (item_id, similar_item_ids), the
    // request-item table (item_id, item_ids); MySQL's u2i (user_id, article_ids), i2i (article_id, article_ids).
    await pg.sql(
      'CREATE TABLE u2i (user_id text, item_ids text); CREATE TABLE i2i (item_id text, similar_item_ids text); CREATE TABLE item_i2i (item_id text, item_ids text); CREATE TABLE i2i_bad (item_id text, items text)',
    );
    await maria.sql('CREATE TABLE u2i (user_id varchar(64), article_ids text)');
    await maria.sql('CREATE TABLE i2i (article_id varchar(64), article_ids text)');
    await maria.sql('CREATE TABLE item_i2i (item_id varchar(64), item_ids text)');
    for (const [uid, entries] of data.users) {
      await pg.sql('INSERT INTO u2i VALUES ($1, $2)', [uid, entries.join(',')]);
      await maria.sql('INSERT INTO u2i VALUES (?, ?)', [uid, entries.join(',')]);
    }
    const rows = [...data.i2i].map(([id, list]) => [id, list.join(',')]);
    await pg.sql(`INSERT INTO i2i SELECT * FROM unnest($1::text[], $2::text[])`, [rows.map((r) => r[0]), rows.map((r) => r[1])]);
    await maria.sql(`INSERT INTO i2i VALUES ${rows.map(() => '(?, ?)').join(', ')}`, rows.flat() as string[]);
    await pg.sql('INSERT INTO item_i2i VALUES ($1, $2)', ['p1', ITEM_LIST]);
    await maria.sql('INSERT INTO item_i2i VALUES (?, ?)', ['p1', ITEM_LIST]);
    engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    await engine.reload(engineConfig(redis.port, pg.url, maria.dsn));
  });
  after(async () => {
    await engine?.close();
    admin?.disconnect();
    await Promise.all([redis?.stop(), pg?.stop(), maria?.stop()]);
  });

  it('UserCollaborativeFilterRecall equals the brute-force u2i2i reference for every user, on Redis, Hologres and MySQL', async () => {
    assert.ok(engine);
    let nonEmpty = 0;
    for (const uid of data.users.keys()) {
      for (const [scene, normalize] of [
        ['ucf_redis', true],
        ['ucf_holo', true],
        ['ucf_mysql', false],
      ] as const) {
        const res = await recommend(engine, request(uid, scene));
        assert.equal(res.trace?.[0]?.errors, undefined, `${scene} ${uid}: no source failed`);
        const want = reference(data, uid, normalize);
        assertSameScores(fromSource(res.items, scene), want, `${scene} ${uid}`);
        if (want.length > 0) nonEmpty++;
      }
    }
    assert.ok(nonEmpty >= 60, `most users have neighbours (${nonEmpty} of ${USERS * 3})`);
  });

  it("ItemCollaborativeFilterRecall lists the request's item_id; a request without one gets nothing from it, not an error", async () => {
    assert.ok(engine);
    const redisRes = await recommend(engine, request('u1', 'icf_redis', 'p1'));
    assert.deepEqual(fromSource(redisRes.items, 'icf_redis'), [
      ['p2', 0.9],
      ['p3', 0.5],
    ]);
    for (const scene of ['icf_holo', 'icf_mysql']) {
      const res = await recommend(engine, request('u1', scene, 'p1'));
      // PaiRec's entries: an empty retrieve id is the recall's name, a given one is kept; RecallCount bounds the list.
      assert.deepEqual(
        res.items.map((c) => [c.itemId, c.retrieveId, c.recallScore]).sort(),
        [
          ['p2', scene, 0.9],
          ['p3', 'similar_job', 0.5],
        ],
        scene,
      );
    }
    for (const scene of ['icf_redis', 'icf_holo', 'icf_mysql']) {
      const none = await recommend(engine, request('u1', scene));
      assert.deepEqual(none.items, [], scene);
      assert.deepEqual(none.trace?.[0], { ...none.trace?.[0], stage: 'recall', out: 0 }, scene);
      assert.equal(none.trace?.[0]?.errors, undefined, `${scene}: an absent item_id is not an error`);
      const unknown = await recommend(engine, request('u1', scene, 'no-such-item'));
      assert.deepEqual(unknown.items, [], scene);
    }
  });

  it('a request-item table without its list column is refused at load, naming the table, the column and the path', async () => {
    assert.ok(engine && redis && pg && maria);
    const err = await engine.reload(engineConfig(redis.port, pg.url, maria.dsn, 'i2i_bad')).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /\$\.RecallConfs\[4\]\.ItemCollaborativeDaoConf\.Item2ItemTable: table "i2i_bad" has no column "item_ids"/);
  });

  it('item_id through a real server: a documented field in the strict API, and in the PaiRec mode (curl bytes) after a reload', async () => {
    assert.ok(redis);
    const config = (mode: 'strict' | 'pairec'): Record<string, unknown> =>
      fastConfig({
        ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0, ApiMode: mode },
        RedisConfs: { main: { Port: redis?.port ?? 0, ReadTimeout: 1000 } },
        RecallConfs: [
          {
            Name: 'similar',
            RecallType: 'ItemCollaborativeFilterRecall',
            RecallCount: 10,
            ItemCollaborativeDaoConf: { AdapterType: 'redis', RedisName: 'main', Item2ItemTable: 'sim:' },
          },
        ],
        SceneConfs: { item_page: { default: { RecallNames: ['similar'] } } },
        RankConf: {},
      });
    const path = writeConfig(config('strict'));
    let server: ServerProcess | undefined;
    try {
      server = await ServerProcess.start(path);
      await server.waitReady();
      const ask = async (
        body: string,
      ): Promise<{ status: number; body: { code: number; items?: { item_id: string; retrieve_id: string }[]; error_code?: string } }> => {
        const res = await (server as ServerProcess).post('/api/recommend', body);
        return { status: res.status, body: (await res.json()) as { code: number; items?: { item_id: string; retrieve_id: string }[] } };
      };
      const strict = await ask('{"uid":"u1","size":3,"scene_id":"item_page","item_id":"p1"}');
      assert.equal(strict.status, 200, JSON.stringify(strict.body));
      assert.deepEqual(
        strict.body.items?.map((i) => [i.item_id, i.retrieve_id]),
        [
          ['p2', 'similar'],
          ['p3', 'similar'],
          ['p4', 'similar'],
        ],
      );
      const without = await ask('{"uid":"u1","size":3,"scene_id":"item_page"}');
      assert.deepEqual([without.status, without.body.items], [200, []]);
      const wrong = await ask('{"uid":"u1","scene_id":"item_page","item_id":7}');
      assert.deepEqual([wrong.status, wrong.body.error_code], [400, 'ERR_INVALID_FIELD']);

      const from = server.lines.length;
      writeFileSync(path, JSON.stringify(config('pairec')));
      server.proc.kill('SIGHUP');
      await server.waitFor((l) => l.msg === 'config reloaded' && server?.lines.indexOf(l) !== undefined && server.lines.indexOf(l) >= from);
      const res = await rawRequest(server.port, curlBytes(server.port, '/api/recommend', '{"uid":"u1","size":2,"scene_id":"item_page","item_id":"p1"}'));
      assert.equal(res.status, 200, res.body);
      const pairec = JSON.parse(res.body) as { code: number; items?: { item_id: string; retrieve_id: string }[] };
      assert.equal(pairec.code, 200, res.body);
      assert.deepEqual(
        pairec.items?.map((i) => [i.item_id, i.retrieve_id]),
        [
          ['p2', 'similar'],
          ['p3', 'similar'],
        ],
      );
    } finally {
      if (server && server.proc.exitCode === null) await server.stop('SIGKILL');
      rmSync(dirname(path), { recursive: true, force: true });
    }
  });
});
