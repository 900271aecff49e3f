import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { reap } from './reaper.js';

const run = promisify(execFile);

/** True when Debian's redis-server is installed (the tests need it; .ci/run installs it). */
export async function haveRedis(): Promise<boolean> {
  return run('redis-server', ['--version']).then(
    () => true,
    () => false,
  );
}

/** Waits until redis-server answers PING on the port. */
async function waitReady(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await run('redis-cli', ['-p', String(port), 'ping']).then(
      (r) => r.stdout.trim() === 'PONG',
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server on ${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One redis-server on a loopback port, no persistence, in its own temp dir. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  #proc: ChildProcess | undefined;
  readonly #extra: readonly string[];

  private constructor(port: number, extra: readonly string[]) {
    this.port = port;
    this.#extra = extra;
    this.dir = mkdtempSync(join(tmpdir(), 'pairec-redis-'));
  }

  /** Starts a server on a free port (or `port`, to come back where it was). */
  static async start(opts: { port?: number; extra?: readonly string[] } = {}): Promise<RedisServer> {
    const s = new RedisServer(opts.port ?? (await freePort()), opts.extra ?? []);
    await s.restart();
    return s;
  }

  /** (Re)starts the server on the same port; after a kill, the data is gone (no persistence). */
  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.#extra];
    this.#proc = reap(spawn('redis-server', args, { stdio: 'ignore' }));
    await waitReady(this.port);
  }

  /** A client for the test itself. */
  client(): Redis {
    return new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  /** Kills the server (SIGKILL: a crash, not a shutdown) and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.#proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = once(p, 'exit');
    p.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Three cluster-enabled redis-servers joined by `redis-cli --cluster create`, no replicas. */
export class RedisCluster {
  readonly nodes: readonly RedisServer[];

  private constructor(nodes: RedisServer[]) {
    this.nodes = nodes;
  }

  static async start(): Promise<RedisCluster> {
    const nodes: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      nodes.push(await RedisServer.start({ port, extra: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`] }));
    }
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes']);
    // Slots are assigned at once but gossip takes a moment: wait until every node says ok.
    const until = Date.now() + 20_000;
    for (const n of nodes) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(n.port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > until) throw new Error('cluster did not become ok');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return new RedisCluster(nodes);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
