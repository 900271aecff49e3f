import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StubMode } from './stub-backend-main.js';
import { reap } from './reaper.js';

export type { StubMode } from './stub-backend-main.js';

const MAIN = fileURLToPath(new URL('./stub-backend-main.js', import.meta.url));

/** The scriptable stub backend (stub-backend-main.ts) in a child process. */
export class StubBackend {
  proc: ChildProcess;
  port: number;

  private constructor(proc: ChildProcess, port: number) {
    this.proc = proc;
    this.port = port;
  }

  static async start(mode: StubMode = 'ok', port = 0): Promise<StubBackend> {
    const proc = reap(spawn(process.execPath, [MAIN, '--port', String(port), '--mode', mode], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    const exited = once(proc, 'exit').then(([code]) => {
      throw new Error(`stub backend exited early (code ${String(code)})`);
    });
    const first = await Promise.race([once(lines, 'line') as Promise<[string]>, exited]);
    const { port: bound } = JSON.parse(first[0]) as { port: number };
    return new StubBackend(proc, bound);
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async mode(mode: StubMode): Promise<void> {
    const res = await fetch(`${this.base}/__mode/${mode}`, { method: 'PUT' });
    if (res.status !== 204) throw new Error(`mode ${mode}: ${res.status}`);
  }

  /** Calls received (control calls excluded) and sockets open besides the one asking. */
  async stats(): Promise<{ calls: number; open_sockets: number }> {
    const res = await fetch(`${this.base}/__stats`, { headers: { connection: 'close' } });
    return (await res.json()) as { calls: number; open_sockets: number };
  }

  async resetCalls(): Promise<void> {
    await fetch(`${this.base}/__reset`, { method: 'POST', headers: { connection: 'close' } });
  }

  /** SIGKILL: the backend vanishes as a crashed replica does (connections reset). */
  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exit = once(this.proc, 'exit');
    this.proc.kill('SIGKILL');
    await exit;
  }

  /** Starts again on the same port. */
  async restart(mode: StubMode = 'ok'): Promise<void> {
    await this.kill();
    for (let i = 0; ; i++) {
      try {
        const next = await StubBackend.start(mode, this.port);
        this.proc = next.proc;
        return;
      } catch (err) {
        if (i >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
