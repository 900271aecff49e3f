import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { reap } from './reaper.js';

const MAIN = fileURLToPath(new URL('./slow-backend-main.js', import.meta.url));

/** The slow PMML backend (slow-backend-main.ts) as a child process. */
export class SlowBackend {
  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
  ) {}

  static async start(delayMs: number, workers: number): Promise<SlowBackend> {
    const proc = reap(spawn(process.execPath, [MAIN, String(delayMs), String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    proc.stdout?.setEncoding('utf8');
    const [line] = (await once(proc.stdout as NodeJS.ReadableStream, 'data')) as [string];
    return new SlowBackend(proc, (JSON.parse(line) as { port: number }).port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/predict/slow`;
  }

  async calls(): Promise<number> {
    return ((await (await fetch(`http://127.0.0.1:${this.port}/calls`)).json()) as { calls: number }).calls;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exit = once(this.proc, 'exit');
    this.proc.kill('SIGKILL');
    await exit;
  }
}
