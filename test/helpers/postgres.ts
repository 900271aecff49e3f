import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';
import { reap } from './reaper.js';

const run = promisify(execFile);

/** Debian's PostgreSQL server binaries (postgresql-NN): PAIREC_PG_BIN, else the newest /usr/lib/postgresql/NN/bin. */
export function postgresBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const has = (dir: string): boolean => existsSync(join(dir, 'postgres')) && existsSync(join(dir, 'initdb'));
  if (env.PAIREC_PG_BIN) return has(env.PAIREC_PG_BIN) ? env.PAIREC_PG_BIN : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find(has);
}

/** True when a PostgreSQL server can be started here (the tests need it; .ci/run installs it). */
export function havePostgres(): Promise<boolean> {
  return Promise.resolve(postgresBin() !== undefined);
}

/**
 * PostgreSQL refuses to run as root: as root, initdb and the server run as `nobody`
 * (spawn's uid/gid, so the postmaster stays this process's own child and is reaped).
 */
const NOBODY = 65534;
const serverUser = (): { uid?: number; gid?: number } => (process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {});

/**
 * One throw-away PostgreSQL: initdb into a temp folder, the server on a free loopback port
 * with its unix socket in that folder, no fsync (test data only). `kill` is a crash
 * (SIGKILL to the whole process group: postmaster and backends); `restart` brings the
 * same data back on the same port.
 */
export class PostgresServer {
  readonly port: number;
  readonly dir: string;
  readonly #bin: string;
  #proc: ChildProcess | undefined;

  private constructor(bin: string, port: number) {
    this.#bin = bin;
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), 'pairec-pg-'));
    if (process.getuid?.() === 0) chownSync(this.dir, NOBODY, NOBODY);
  }

  static async start(): Promise<PostgresServer> {
    const bin = postgresBin();
    if (!bin) throw new Error('PostgreSQL server binaries not found (.ci/run installs postgresql)');
    const s = new PostgresServer(bin, await freePort());
    try {
      const args = ['-D', join(s.dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions'];
      await run(join(bin, 'initdb'), args, { cwd: s.dir, ...serverUser() });
      await s.restart();
    } catch (err) {
      await s.stop();
      throw err;
    }
    return s;
  }

  /** postgres:// URL of the server (the DSN a HologresConfs entry takes). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** (Re)starts the server on its port and waits until it accepts queries. */
  async restart(): Promise<void> {
    const args = [
      '-D',
      join(this.dir, 'data'),
      '-p',
      String(this.port),
      '-k',
      this.dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'shared_buffers=16MB',
      '-c',
      'max_connections=40',
      '-c',
      'log_min_messages=fatal',
    ];
    // Its own process group, so kill() reaches every backend, not only the postmaster.
    this.#proc = reap(spawn(join(this.#bin, 'postgres'), args, { stdio: 'ignore', detached: true, cwd: this.dir, ...serverUser() }));
    const until = Date.now() + 20_000;
    for (;;) {
      if (this.#proc.exitCode !== null) throw new Error(`postgres exited with ${this.#proc.exitCode}`);
      const ok = await this.sql('SELECT 1').then(
        () => true,
        () => false,
      );
      if (ok) return;
      if (Date.now() > until) throw new Error(`postgres on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs SQL on a fresh connection and returns the rows. */
  async sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 2000 });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query<R>(text, values)).rows;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** Kills the server and its backends (a crash) and waits for the postmaster to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.#proc;
    if (!p?.pid || p.exitCode !== null || p.signalCode !== null) return;
    const exited = once(p, 'exit');
    try {
      process.kill(-p.pid, signal);
    } catch {
      p.kill(signal);
    }
    await exited;
  }

  async stop(): Promise<void> {
    // SIGQUIT: immediate shutdown, backends included; the folder is removed next anyway.
    await this.kill('SIGQUIT');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
