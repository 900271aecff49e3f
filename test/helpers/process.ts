import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { reap } from './reaper.js';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A child process whose JSON log lines are collected and can be waited for. */
export class LoggedProcess {
  readonly proc: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  stderr = '';
  readonly #waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];

  /**
   * One serving process unless `env` says otherwise (PAIREC_WORKERS): tests see one
   * process's behaviour, and the cluster has tests of its own.
   */
  constructor(args: readonly string[], cwd?: string, env: NodeJS.ProcessEnv = {}) {
    this.proc = reap(
      spawn(process.execPath, [MAIN, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PAIREC_WORKERS: '1', ...env },
        ...(cwd ? { cwd } : {}),
      }),
    );
    let buf = '';
    this.proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
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
    this.proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
  }

  /** The first log line (seen or future) that matches; rejects if the process exits first. */
  waitFor(pred: (l: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a log line; stderr: ${this.stderr}`)), timeoutMs);
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`process exited (code ${String(code)}) before the log line: ${this.stderr}`));
      };
      this.proc.once('exit', onExit);
      this.#waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          this.proc.off('exit', onExit);
          resolve(l);
        },
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.proc.exitCode;
    const exit = once(this.proc, 'exit') as Promise<[number | null]>;
    this.proc.kill(signal);
    const [code] = await exit;
    return code;
  }
}

/** Starts `pairec vector-server` and resolves once it serves, with its ports; stops it if it never does. */
export async function startVectorServerProcess(args: readonly string[]): Promise<{ proc: LoggedProcess; port: number; metricsPort: number | undefined }> {
  const proc = new LoggedProcess(['vector-server', '--host', '127.0.0.1', ...args]);
  try {
    const listening = await proc.waitFor((l) => l.msg === 'listening');
    await proc.waitFor((l) => l.msg === 'serving');
    const mp = listening.metricsPort;
    return { proc, port: Number(listening.port), metricsPort: typeof mp === 'number' ? mp : undefined };
  } catch (err) {
    // A server that never came up is still stopped: the caller has nothing to clean up.
    await proc.stop('SIGKILL');
    throw err;
  }
}
