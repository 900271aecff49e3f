import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { smallConfig } from '../helpers/config.js';
import { ServerProcess } from '../helpers/server-process.js';

/** Debian's promtool (package prometheus, installed by .ci/run) checks the shipped rules and the live metrics. */
const run = promisify(execFile);
const dir = fileURLToPath(new URL('../../../deploy/prometheus/', import.meta.url));

function promtoolStdin(args: string[], input: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
    p.stdin.end(input);
  });
}

describe('Prometheus rules and metrics (promtool)', () => {
  let server: ServerProcess | undefined;
  let tmp: string | undefined;
  after(async () => {
    if (server && server.proc.exitCode === null) await server.stop('SIGKILL');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the alert rules pass promtool check rules', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', join(dir, 'alerts.yml')]);
    assert.match(stdout, /SUCCESS: 3 rules found/);
  });

  it('the alert rules fire on the series they should, and only those (promtool test rules)', async () => {
    const { stdout } = await run('promtool', ['test', 'rules', join(dir, 'alerts.test.yml')]);
    assert.match(stdout, /SUCCESS/);
  });

  it('the live /metrics output passes promtool check metrics', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'pairec-prom-'));
    const file = join(tmp, 'config.json');
    writeFileSync(file, JSON.stringify(smallConfig(join(tmp, 'cache'))));
    server = await ServerProcess.start(file);
    await server.waitReady();
    assert.equal((await server.post('/api/recommend', '{"uid":"1","size":5}')).status, 200);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const { code, out } = await promtoolStdin(['check', 'metrics'], text);
    assert.equal(code, 0, out);
  });
});
