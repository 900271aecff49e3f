import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface LogLine {
  readonly msg?: string;
  readonly [key: string]: unknown;
}

/** A real `pairec serve` process on a free loopback port, with its JSON log lines. */
export class ServerProcess {
  readonly proc: ChildProcess;
  readonly lines: LogLine[] = [];
  stderr = '';
  port = 0;
  readonly #waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  private constructor(proc: ChildProcess) {
    this.proc = proc;
    let buf = '';
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { msg: text };
        }
        this.lines.push(line);
        for (const w of [...this.#waiters]) {
          if (w.pred(line)) {
            this.#waiters.splice(this.#waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
  }

  /** `cwd` decides where a relative CacheDir lands. */
  static async start(configPath: string, args: string[] = [], cwd?: string): Promise<ServerProcess> {
    const proc = spawn(process.execPath, [MAIN, 'serve', '--config', configPath, '--port', '0', '--host', '127.0.0.1', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(cwd ? { cwd } : {}),
    });
    const server = new ServerProcess(proc);
    const exited = once(proc, 'exit').then(([code]) => {
      throw new Error(`server exited early (code ${String(code)}): ${server.stderr}`);
    });
    const listening = await Promise.race([server.waitFor((l) => l.msg === 'listening'), exited]);
    server.port = Number(listening.port);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves with the first log line (already seen or future) that matches. */
  waitFor(pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a log line')), timeoutMs);
      this.#waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  /** Log lines after index `from` that match. */
  since(from: number, pred: (l: LogLine) => boolean): LogLine[] {
    return this.lines.slice(from).filter(pred);
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

  /** Sends a signal and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    const exit = once(this.proc, 'exit') as Promise<[number | null]>;
    this.proc.kill(signal);
    const [code] = await exit;
    return code;
  }
}
