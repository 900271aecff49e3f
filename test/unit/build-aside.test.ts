import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildIndexAside } from '../../src/vector/build-aside.js';
import type { IndexSpec } from '../../src/vector/index-types.js';
import { PairecError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-build-aside-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const spec: IndexSpec = { kind: 'ivf', space: 'ip', M: 8, EfConstruction: 40, Nlist: 8, Seed: 3 };
const dim = 8;
const vectors = Float32Array.from({ length: 400 * dim }, (_, i) => Math.sin(i));

describe('an index built on a worker thread', () => {
  it('writes the file, and relays the worker’s log lines with the caller’s bindings', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({}, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) }).child({ algorithm: 'a' });
    const file = join(dir, 'ok.index');
    await buildIndexAside(spec, vectors, dim, file, logger, new AbortController().signal);
    assert.ok(existsSync(file));
    assert.ok(lines.some((l) => l.msg === 'vector index built' && l.algorithm === 'a' && l.rows === 400));
  });

  it('a failure in the worker is a catalog error naming what failed', async () => {
    const file = join(dir, 'missing-folder', 'x.index');
    await assert.rejects(buildIndexAside(spec, vectors, dim, file, pino({ level: 'silent' }), new AbortController().signal), (err: unknown) => {
      assert.ok(err instanceof PairecError);
      assert.equal(err.code, 'ERR_ALGORITHM_BUILD');
      assert.match(err.message, /missing-folder/);
      return true;
    });
  });

  it('an abort ends the wait at once with ERR_ABORTED, before or during the build', async () => {
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(
      buildIndexAside(spec, vectors, dim, join(dir, 'a.index'), pino({ level: 'silent' }), aborted.signal),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_ABORTED',
    );
    const later = new AbortController();
    const big = Float32Array.from({ length: 60_000 * dim }, (_, i) => Math.cos(i));
    const run = buildIndexAside({ ...spec, Nlist: 200 }, big, dim, join(dir, 'b.index'), pino({ level: 'silent' }), later.signal);
    setTimeout(() => later.abort(), 5);
    await assert.rejects(run, (e: unknown) => e instanceof PairecError && e.code === 'ERR_ABORTED');
  });
});
