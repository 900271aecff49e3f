import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { reap } from './reaper.js';

export const NGINX_CONF = fileURLToPath(new URL('../../../deploy/nginx/nginx.conf', import.meta.url));
const NGINX_BIN = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** Replaces `pattern` and insists it matched exactly `count` times, so a reworded deploy file fails loudly. */
function replaceCounted(text: string, pattern: RegExp, count: number, by: (match: string, i: number) => string): string {
  let i = 0;
  const out = text.replace(pattern, (m) => by(m, i++));
  if (i !== count) throw new Error(`${String(pattern)} matched ${i} times in nginx.conf, expected ${count}`);
  return out;
}

/**
 * deploy/nginx/nginx.conf made runnable here: the replicas' addresses and the listen port
 * become loopback ports, and every path nginx writes (logs, pid, temp folders) goes under
 * `dir`. Everything else — balancing, retries, timeouts, keep-alive — is the deployed file.
 */
export function localNginxConfig(text: string, opts: { listenPort: number; upstreamPorts: readonly number[]; dir: string }): string {
  let conf = replaceCounted(text, /server pairec-\d+:8000/g, opts.upstreamPorts.length, (_m, i) => `server 127.0.0.1:${String(opts.upstreamPorts[i])}`);
  conf = replaceCounted(conf, /listen 80;/g, 1, () => `listen 127.0.0.1:${String(opts.listenPort)};`);
  conf = replaceCounted(conf, /error_log \S+/g, 1, () => `error_log ${join(opts.dir, 'error.log')}`);
  conf = replaceCounted(conf, /access_log \/\S+/g, 1, () => `access_log ${join(opts.dir, 'access.log')}`);
  // Debian's build puts its temp folders under /var/lib/nginx; keep this instance off them.
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${join(opts.dir, `${t}_temp`)};`).join('\n');
  conf = replaceCounted(conf, /^http \{$/gm, 1, (m) => `${m}\n${temps}`);
  return conf;
}

/**
 * Debian's nginx, started in the foreground on its own prefix, config, pid and error log:
 * it never reads /etc/nginx, never signals or replaces the system's nginx service.
 */
export class NginxProcess {
  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
    readonly dir: string,
    private readonly stderr: { text: string },
  ) {}

  static async start(upstreamPorts: readonly number[], dir: string): Promise<NginxProcess> {
    const port = await freePort();
    // nginx workers drop to `nobody` when the master runs as root; they must reach the temp folders.
    chmodSync(dir, 0o755);
    const confPath = join(dir, 'nginx.conf');
    writeFileSync(confPath, localNginxConfig(readFileSync(NGINX_CONF, 'utf8'), { listenPort: port, upstreamPorts, dir }));
    const proc = reap(
      spawn(NGINX_BIN, ['-p', `${dir}/`, '-c', confPath, '-e', join(dir, 'error.log'), '-g', `daemon off; master_process on; pid ${join(dir, 'nginx.pid')};`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    const stderr = { text: '' };
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr.text += d));
    const nginx = new NginxProcess(proc, port, dir, stderr);
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      if (proc.exitCode !== null) throw new Error(`nginx exited (${String(proc.exitCode)}): ${stderr.text}`);
      const res = await fetch(`${nginx.url}/nginx-health`).catch(() => undefined);
      if (res?.status === 200) return nginx;
      await new Promise((r) => setTimeout(r, 50));
    }
    await nginx.stop();
    throw new Error(`nginx did not answer in time: ${stderr.text}`);
  }

  get url(): string {
    return `http://127.0.0.1:${String(this.port)}`;
  }

  get accessLog(): string {
    return join(this.dir, 'access.log');
  }

  get errorLog(): string {
    const path = join(this.dir, 'error.log');
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exit = once(this.proc, 'exit');
    this.proc.kill('SIGTERM'); // fast shutdown of the master and its workers
    await exit;
  }
}

/** One access-log line of the `pairec` log_format. */
export interface AccessLogEntry {
  readonly status: number;
  /** Every replica tried, in order (more than one when nginx retried). */
  readonly upstreams: readonly string[];
  readonly upstreamStatuses: readonly string[];
  /** When the request finished, epoch ms. */
  readonly atMs: number;
  readonly path: string;
}

export function parseAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /"(\S+) (\S+) [^"]*" (\d{3}) .* upstream=(.*) us=(.*) urt=.* msec=(\d+\.\d+)$/.exec(line);
    if (!m) continue;
    entries.push({
      path: m[2] ?? '',
      status: Number(m[3]),
      upstreams: (m[4] ?? '').split(/, | : /).filter((s) => s !== '-'),
      upstreamStatuses: (m[5] ?? '').split(/, | : /),
      atMs: Number(m[6]) * 1000,
    });
  }
  return entries;
}
