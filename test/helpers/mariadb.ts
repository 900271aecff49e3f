import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from './ports.js';
import { reap } from './reaper.js';

const run = promisify(execFile);
const SERVER = '/usr/sbin/mariadbd';
const INSTALL = '/usr/bin/mariadb-install-db';

/** True when Debian's MariaDB server is installed (the tests need it; .ci/run installs mariadb-server). */
export function haveMariadb(): Promise<boolean> {
  return Promise.resolve(existsSync(SERVER) && existsSync(INSTALL));
}

/** As root, the server runs as `nobody` (spawn's uid/gid: it stays this process's child). */
const NOBODY = 65534;
const serverUser = (): { uid?: number; gid?: number } => (process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {});

/**
 * One throw-away MariaDB, as test/helpers/postgres.ts: mariadb-install-db into a temp
 * folder, the server on a free loopback port with its socket there; `root` without a
 * password over TCP. `kill` is a crash (SIGKILL); `restart` brings the data back.
 */
export class MariadbServer {
  readonly port: number;
  readonly dir: string;
  #proc: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), 'pairec-mariadb-'));
    if (process.getuid?.() === 0) chownSync(this.dir, NOBODY, NOBODY);
  }

  static async start(): Promise<MariadbServer> {
    const s = new MariadbServer(await freePort());
    try {
      const user = process.getuid?.() === 0 ? ['--user=nobody'] : [];
      await run(INSTALL, ['--no-defaults', `--datadir=${join(s.dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...user], {
        cwd: s.dir,
        ...serverUser(),
      });
      await s.restart();
    } catch (err) {
      await s.stop();
      throw err;
    }
    return s;
  }

  /** Go's DSN form, as a PaiRec MysqlConfs entry holds it. */
  get dsn(): string {
    return `root@tcp(127.0.0.1:${this.port})/rec`;
  }

  async restart(): Promise<void> {
    const args = [
      '--no-defaults',
      `--datadir=${join(this.dir, 'data')}`,
      `--socket=${join(this.dir, 'sock')}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      '--skip-log-bin',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      '--innodb-flush-log-at-trx-commit=2',
      '--innodb-log-file-size=8M',
      `--pid-file=${join(this.dir, 'pid')}`,
    ];
    this.#proc = reap(spawn(SERVER, args, { stdio: 'ignore', cwd: this.dir, ...serverUser() }));
    const until = Date.now() + 30_000;
    for (;;) {
      if (this.#proc.exitCode !== null) throw new Error(`mariadbd exited with ${this.#proc.exitCode}`);
      if (
        await this.sql('SELECT 1').then(
          () => true,
          () => false,
        )
      )
        return;
      if (Date.now() > until) throw new Error(`mariadbd on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs SQL (in database `rec` once it exists) on a fresh connection. */
  async sql<R = Record<string, unknown>>(text: string, values: (string | number)[] = []): Promise<R[]> {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 2000, multipleStatements: true });
    try {
      await c.query('CREATE DATABASE IF NOT EXISTS rec');
      await c.query('USE rec');
      const [rows] = await c.query(text, values);
      return (Array.isArray(rows) ? rows : []) as R[];
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.#proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = once(p, 'exit');
    p.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
