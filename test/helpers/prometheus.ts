import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { reap } from './reaper.js';

const run = promisify(execFile);

/** True when Debian's prometheus is installed (.ci/run installs it). */
export async function havePrometheus(): Promise<boolean> {
  return run('prometheus', ['--version']).then(
    () => true,
    () => false,
  );
}

/** One sample of an instant-vector result of /api/v1/query. */
export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface PromRule {
  readonly name: string;
  readonly query: string;
  readonly health: string;
  readonly lastError?: string;
  readonly state?: string;
  readonly alerts?: readonly { labels: Record<string, string>; state: string }[];
}

export interface PromRuleGroup {
  readonly name: string;
  readonly rules: readonly PromRule[];
}

/**
 * A real Prometheus server on a loopback port, in its own temp dir (config and TSDB),
 * scraping the given targets every second and evaluating the given rule files every second.
 */
export class PrometheusServer {
  readonly port: number;
  readonly dir: string;
  readonly #proc: ChildProcess;
  #log = '';

  private constructor(port: number, dir: string, proc: ChildProcess) {
    this.port = port;
    this.dir = dir;
    this.#proc = proc;
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.#log = (this.#log + d).slice(-8000)));
  }

  static async start(targets: readonly string[], ruleFiles: readonly string[] = []): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'pairec-prometheus-'));
    const port = await freePort();
    // JSON is YAML: no YAML writer needed for the config.
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: ruleFiles,
      scrape_configs: [{ job_name: 'pairec', static_configs: [{ targets }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
    const proc = reap(
      spawn(
        'prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    const server = new PrometheusServer(port, dir, proc);
    try {
      await server.#waitReady();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.#log;
  }

  async #waitReady(timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.#proc.exitCode !== null) throw new Error(`prometheus exited (code ${String(this.#proc.exitCode)}): ${this.#log}`);
      const res = await fetch(`${this.url}/-/ready`).catch(() => undefined);
      if (res?.status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`prometheus not ready in time: ${this.#log}`);
  }

  async #api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  }

  /** An instant query through the HTTP API; the result must be a vector. */
  async query(expr: string): Promise<PromSample[]> {
    const data = await this.#api<{ resultType: string; result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (data.resultType !== 'vector') throw new Error(`${expr}: a ${data.resultType}, not a vector`);
    return data.result;
  }

  async ruleGroups(): Promise<PromRuleGroup[]> {
    return (await this.#api<{ groups: PromRuleGroup[] }>('/api/v1/rules')).groups;
  }

  /** Stops the server and removes its temp dir (config and TSDB). */
  async stop(): Promise<void> {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) {
      const exit = once(this.#proc, 'exit');
      this.#proc.kill('SIGKILL');
      await exit;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
