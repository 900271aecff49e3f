import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildOnce } from '../../src/cache/build-lock.js';
import { silentLogger } from '../helpers/context.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-build-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A cache folder stand-in: `existing` finds what a finished build left. */
function folder(): { existing: () => Promise<string | undefined>; produce: () => Promise<string>; builds: () => number } {
  let result: string | undefined;
  let builds = 0;
  return {
    existing: () => Promise.resolve(result),
    produce: async () => {
      builds++;
      await sleep(300);
      result = `built-${builds}`;
      return result;
    },
    builds: () => builds,
  };
}

describe('buildOnce: one build per target across callers', () => {
  it('five callers at once: one builds, the others wait and take its result', async () => {
    const f = folder();
    const target = join(dir, 'a');
    const signal = new AbortController().signal;
    const results = await Promise.all(Array.from({ length: 5 }, () => buildOnce(target, f.existing, f.produce, silentLogger, signal)));
    assert.equal(f.builds(), 1);
    assert.deepEqual(results, Array(5).fill('built-1'));
  });

  it('a failed build releases the lock: the next caller builds', async () => {
    const target = join(dir, 'b');
    const signal = new AbortController().signal;
    await assert.rejects(
      buildOnce(
        target,
        () => Promise.resolve(undefined),
        () => Promise.reject(new Error('boom')),
        silentLogger,
        signal,
      ),
      /boom/,
    );
    assert.equal(
      await buildOnce(
        target,
        () => Promise.resolve(undefined),
        () => Promise.resolve('second'),
        silentLogger,
        signal,
      ),
      'second',
    );
  });

  it('a lock left by a holder that died (not refreshed for longer than the stale time) is taken over', async () => {
    const target = join(dir, 'c');
    mkdirSync(`${target}.lock`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${target}.lock`, old, old);
    const f = folder();
    assert.equal(await buildOnce(target, f.existing, f.produce, silentLogger, new AbortController().signal), 'built-1');
  });

  it('a caller waiting on a live holder stops when its signal aborts', async () => {
    const target = join(dir, 'd');
    const holder = new AbortController();
    let release: () => void = () => undefined;
    const held = buildOnce(
      target,
      () => Promise.resolve(undefined),
      () => new Promise<string>((resolve) => (release = () => resolve('held'))),
      silentLogger,
      holder.signal,
    );
    await sleep(100);
    const waiter = new AbortController();
    const waiting = buildOnce(
      target,
      () => Promise.resolve(undefined),
      () => Promise.resolve('waiter built'),
      silentLogger,
      waiter.signal,
    );
    await sleep(300);
    waiter.abort();
    await assert.rejects(waiting, (err: { code?: string }) => err.code === 'ERR_ABORTED');
    release();
    assert.equal(await held, 'held');
  });
});
