import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { checkConfigFile } from '../../src/engine/config-check.js';
import { smallConfig } from '../helpers/config.js';
import { freePort } from '../helpers/ports.js';
import { PostgresServer } from '../helpers/postgres.js';
import { RedisServer } from '../helpers/redis.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';

const skip = (await skipUnlessInstalled('redis')) || (await skipUnlessInstalled('postgres'));

describe('pairec validate --connect (real redis-server and PostgreSQL)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-validate-connect-'));
  let redis: RedisServer;
  let db: PostgresServer;

  before(async () => {
    [redis, db] = await Promise.all([RedisServer.start(), PostgresServer.start()]);
    // PaiRec's Hologres exposure table needs uid, item, create_time: this one lacks create_time.
    await db.sql('CREATE TABLE t_exposure (uid text, item text)');
  });
  after(async () => {
    await Promise.all([redis?.stop(), db?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('each backend is asked: the ones up answer, the one down is named, a table without a column its use needs is a problem', async () => {
    const closed = await freePort();
    const base = smallConfig(dir);
    const file = join(dir, 'connect.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...base,
        RedisConfs: { main: { Host: '127.0.0.1', Port: redis.port } },
        HologresConfs: { holo: { DSN: `${db.url}?password=secret-in-dsn` } },
        MysqlConfs: { gone: { DSN: `root:secret@tcp(127.0.0.1:${closed})/pairec` } },
        FilterConfs: [
          {
            Name: 'exp_holo',
            FilterType: 'User2ItemExposureFilter',
            DaoConf: { AdapterType: 'hologres', HologresName: 'holo', HologresTableName: 't_exposure' },
          },
          { Name: 'exp_redis', FilterType: 'User2ItemExposureFilter', DaoConf: { AdapterType: 'redis', RedisName: 'main', RedisPrefix: 'exp:' } },
          { Name: 'exp_mysql', FilterType: 'User2ItemExposureFilter', DaoConf: { AdapterType: 'mysql', MysqlName: 'gone', MysqlTable: 't_exposure' } },
        ],
        FilterNames: { default_scene: ['UniqueFilter', 'exp_holo', 'exp_redis', 'exp_mysql'] },
      }),
    );
    const registry = createDefaultRegistry();
    const offline = await checkConfigFile(file, { registry, connect: false, timeoutMs: 2000 });
    assert.deepEqual([offline.valid, offline.problems, offline.backends], [true, [], undefined], 'without --connect the databases are not asked');

    const report = await checkConfigFile(file, { registry, connect: true, timeoutMs: 2000 });
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.backends?.map((b) => [b.kind, b.name, b.target, b.ok]),
      [
        ['redis', 'main', `127.0.0.1:${redis.port}`, true],
        ['hologres', 'holo', `127.0.0.1:${db.port}`, true],
        ['mysql', 'gone', `127.0.0.1:${closed}`, false],
      ],
    );
    assert.equal(report.backends?.[0]?.detail, 'PONG');
    assert.match(report.backends?.[2]?.detail ?? '', /ECONNREFUSED/);
    assert.deepEqual(
      report.problems.map((p) => p.path),
      ['$.FilterConfs[0].DaoConf.HologresTableName'],
    );
    assert.match(report.problems[0]?.message ?? '', /table "t_exposure" has no column "create_time"/);
    assert.ok(!JSON.stringify(report).includes('secret'), 'no password in the report');
  });
});
