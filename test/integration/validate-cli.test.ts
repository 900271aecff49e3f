import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAIN } from '../helpers/process.js';
import { reap } from '../helpers/reaper.js';
import { freePort } from '../helpers/ports.js';
import { smallConfig } from '../helpers/config.js';
import { redisConfig } from '../helpers/redis-config.js';

/** Preloaded into a child: its first TCP connection or listening socket ends it with status 97 (not imported here: it would guard this process). */
const GUARD = fileURLToPath(new URL('../helpers/no-network.js', import.meta.url));
const NETWORK_USED_EXIT = 97;
const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `pairec ARGS` as a child process; with `guarded`, any TCP connection or listening socket ends it with status 97. */
function pairec(args: readonly string[], guarded = false): Promise<Run> {
  const child = reap(spawn(process.execPath, [...(guarded ? ['--import', GUARD] : []), MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  // A validate that hangs (a socket left open) fails the test instead of the file's timeout.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('pairec validate (the real CLI, child processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-validate-'));
  const write = (name: string, config: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(config));
    return path;
  };
  let busy: Server;
  // Started together in `before` (each process loads every algorithm type: seconds on a busy machine), asserted one by one.
  let runs: Record<'offline' | 'guardedConnect' | 'online' | 'broken' | 'version' | 'unknown' | 'missing' | 'help', Promise<Run>>;

  before(async () => {
    // The config's own port is held here: a validate that tried to listen on it would fail (and the guard stops any listen).
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as { port: number }).port;
    closedPort = await freePort();
    const redis = write('redis.json', {
      ...redisConfig({ Host: '127.0.0.1', Port: closedPort, ConnectTimeout: 500, ReadTimeout: 200 }),
      ListenConf: { HttpAddr: '127.0.0.1', HttpPort: busyPort },
    });
    const base = smallConfig(dir);
    const broken = write('broken.json', {
      ...base,
      ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 70_000 },
      AlgoConfs: [{ Name: 'item_ann', Type: 'ANN', AnnConf: { M: 'sixteen' } }, ...(base.AlgoConfs as unknown[]).slice(1)],
      RecallConfs: [
        { Name: 'vector_recall', RecallType: 'VectorRecall', RecallCount: -5, AlgoName: 'item_ann' },
        { Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 50 },
      ],
    });
    runs = {
      offline: pairec(['validate', '--config', redis], true),
      // The guard proves it is --connect that contacts backends: with it, the first connection ends the process.
      guardedConnect: pairec(['validate', '--config', redis, '--connect'], true),
      online: pairec(['validate', '--config', redis, '--connect', '--timeout', '1000', '--json']),
      broken: pairec(['validate', '--config', broken], true),
      version: pairec(['--version']),
      unknown: pairec(['validate', '--config', 'x.json', '--conect']),
      missing: pairec(['validate']),
      help: pairec(['validate', '--help']),
    };
  });
  let closedPort: number;
  after(async () => {
    await Promise.allSettled(Object.values(runs));
    busy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a valid config naming a Redis on a closed port: exit 0 without --connect, no port opened, nothing contacted', async () => {
    const ok = await runs.offline;
    assert.equal(ok.code, 0, `${ok.stdout}${ok.stderr}`);
    assert.match(ok.stdout, /is valid/);
    assert.ok(!ok.stderr.includes('no-network guard'), ok.stderr);
  });

  it('with --connect: exit 1 naming the Redis that does not answer (and it is --connect that connects)', async () => {
    const guarded = await runs.guardedConnect;
    assert.equal(guarded.code, NETWORK_USED_EXIT, `${guarded.stdout}${guarded.stderr}`);
    assert.match(guarded.stderr, new RegExp(`connect .*${closedPort}`));
    const online = await runs.online;
    assert.equal(online.code, 1, `${online.stdout}${online.stderr}`);
    const report = JSON.parse(online.stdout) as {
      valid: boolean;
      problems: unknown[];
      backends: { kind: string; name: string; target: string; ok: boolean; detail: string }[];
    };
    assert.equal(report.valid, false);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(
      report.backends.map((b) => [b.kind, b.name, b.target, b.ok]),
      [['redis', 'main', `127.0.0.1:${closedPort}`, false]],
    );
    assert.match(report.backends[0]?.detail ?? '', /ECONNREFUSED/);
  });

  it('three separate problems (two blocks and an algorithm conf): exit 1, all three JSON paths printed', async () => {
    const bad = await runs.broken;
    assert.equal(bad.code, 1, `${bad.stdout}${bad.stderr}`);
    for (const path of ['$.ListenConf.HttpPort', '$.AlgoConfs[0].AnnConf.M', '$.RecallConfs[0].RecallCount'])
      assert.ok(bad.stdout.includes(path), `${path} in:\n${bad.stdout}`);
    assert.match(bad.stdout, /NOT valid: 3 problems/);
  });

  it('--version prints the package version; a wrong or missing option is a usage error (exit 2) naming it; --help exits 0', async () => {
    const [version, unknown, missing, help] = await Promise.all([runs.version, runs.unknown, runs.missing, runs.help]);
    assert.deepEqual([version.code, version.stdout], [0, `${PACKAGE.version}\n`]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--conect/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--config FILE required/);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: pairec validate --config FILE/);
  });
});
