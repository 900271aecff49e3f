import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggedProcess } from '../helpers/process.js';
import { smallConfig } from '../helpers/config.js';

/** Runs `pairec serve` with two serving processes; resolves with its exit code, or 'running' at the deadline (then kills it). */
async function serveUntilExit(args: string[], deadlineMs: number): Promise<{ code: number | null | 'running'; ms: number; proc: LoggedProcess }> {
  const proc = new LoggedProcess(['serve', ...args, '--no-watch'], undefined, { PAIREC_WORKERS: '2' });
  const t0 = Date.now();
  const exit = once(proc.proc, 'exit') as Promise<[number | null]>;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), deadlineMs)));
  try {
    const first = await Promise.race([exit.then(([code]) => code), deadline]);
    return { code: first, ms: Date.now() - t0, proc };
  } finally {
    clearTimeout(timer);
    if (proc.proc.exitCode === null && proc.proc.signalCode === null) {
      // The primary and the serving processes it forked (they stop themselves when it goes).
      proc.proc.kill('SIGKILL');
      await exit;
    }
  }
}

describe('cluster start-up failures end the command with exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-cluster-start-'));

  it('a port in use: exit 1 within 10 s, with one clear line on stderr', async (t) => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(smallConfig(join(dir, 'cache'))));
    const squatter = createServer().listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    t.after(() => squatter.close());
    const port = (squatter.address() as AddressInfo).port;
    const { code, ms, proc } = await serveUntilExit(['--config', file, '--port', String(port), '--host', '127.0.0.1'], 10_000);
    t.diagnostic(`port in use: exit ${String(code)} after ${ms} ms; stderr ${JSON.stringify(proc.stderr)}`);
    assert.equal(code, 1);
    const lines = proc.stderr.trim().split('\n');
    assert.equal(lines.length, 1, proc.stderr);
    assert.match(lines[0] ?? '', new RegExp(`127\\.0\\.0\\.1:${port}.*already in use`));
  });

  it('a model file the serving processes cannot load: exit 1 at once, the reason on stderr', async () => {
    const model = join(dir, 'garbage.onnx');
    writeFileSync(model, Buffer.alloc(3000, 0x5a));
    const config = smallConfig(join(dir, 'cache'));
    const features = { User: [{ Name: 'embedding', Dim: 16 }], Item: [{ Name: 'embedding', Dim: 16 }] };
    (config.AlgoConfs as unknown[]).push({ Name: 'broken_model', Type: 'ONNX', OnnxConf: { ModelPath: model, Features: features } });
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(config));
    // The primary validates the config (the model file is only read when built), so the
    // serving processes start, fail to load, and exit 1: before, the primary restarted them forever.
    const { code, proc } = await serveUntilExit(['--config', file, '--port', '0', '--host', '127.0.0.1'], 60_000);
    assert.equal(code, 1, `exit ${String(code)}; stderr ${proc.stderr}`);
    assert.match(proc.stderr, /could not start: .*broken_model/);
    assert.equal(proc.lines.filter((l) => l.msg === 'serving process exited; restarting').length, 0);
  });
});
