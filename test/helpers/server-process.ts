import { once } from 'node:events';
import { LoggedProcess } from './process.js';

export type LogLine = Record<string, unknown> & { readonly msg?: string };

/** A real `pairec serve` process on a free loopback port, with its JSON log lines. */
export class ServerProcess extends LoggedProcess {
  port = 0;

  /** `cwd` decides where a relative CacheDir lands. */
  static async start(configPath: string, args: string[] = [], cwd?: string, env?: NodeJS.ProcessEnv): Promise<ServerProcess> {
    const server = new ServerProcess(['serve', '--config', configPath, '--port', '0', '--host', '127.0.0.1', ...args], cwd, env);
    const exited = once(server.proc, 'exit').then(([code]) => {
      throw new Error(`server exited early (code ${String(code)}): ${server.stderr}`);
    });
    const listening = await Promise.race([server.waitFor((l) => l.msg === 'listening'), exited]);
    server.port = Number(listening.port);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Log lines after index `from` that match. */
  since(from: number, pred: (l: LogLine) => boolean): LogLine[] {
    return (this.lines as LogLine[]).slice(from).filter(pred);
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const res = await fetch(`${this.url}/ready`).catch(() => undefined);
      if (res?.status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('server not ready in time');
  }

  post(path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Response> {
    return fetch(`${this.url}${path}`, { method: 'POST', body, headers });
  }
}

/**
 * `count` replicas of one config, pushed into `into` as they start (so a caller's `after`
 * stops them whatever happens next): the first fills the cache, the others load it.
 */
export async function startReplicas(configPath: string, count: number, into: ServerProcess[]): Promise<void> {
  const start = async (): Promise<void> => {
    const replica = await ServerProcess.start(configPath, ['--no-watch']);
    into.push(replica);
    await replica.waitReady();
  };
  await start();
  await Promise.all(Array.from({ length: count - 1 }, start));
}
