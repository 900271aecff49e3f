import { it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * The 60-second variant of `npm run soak` (bench/soak.ts): steady load at 50 req/s while
 * the rank backend is killed and restarted every 30 s; the soak itself asserts RSS growth
 * < 10 % after warm-up, flat descriptors and no non-200 answer, and exits 1 otherwise.
 */
const SOAK = fileURLToPath(new URL('../../bench/soak.js', import.meta.url));

it('soak, 60 s: backend killed every 30 s — no failed answer, RSS and descriptors flat', { timeout: 110_000 }, async (t: TestContext) => {
  const proc = spawn(process.execPath, [SOAK, '--duration', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const [code] = (await once(proc, 'exit')) as [number | null];
  const line = out.split('\n').find((l) => l.startsWith('{"soak"'));
  assert.ok(line, `no summary; stderr: ${err.slice(-2000)}`);
  const { soak } = JSON.parse(line) as { soak: Record<string, unknown> };
  t.diagnostic(JSON.stringify(soak));
  assert.equal(soak.ok, true, `problems: ${JSON.stringify(soak.problems)}`);
  assert.equal(code, 0);
  assert.ok(Number(soak.kills) >= 1, 'the backend was killed');
});
