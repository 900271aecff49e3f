import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import fc from 'fast-check';
import { MemoryExposureStore } from '../../src/store/exposure-store.js';
import { loadExposureFile, writeExposureFile, writeExposureFileSync } from '../../src/store/exposure-file.js';

const BOUNDS = { maxItemsPerUser: 50, maxUsers: 1e6, maxBytes: 1 << 24 };

/** A logger that keeps its lines. */
const recording = (): { logger: pino.Logger; lines: Record<string, unknown>[] } => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
};

const everything = (s: MemoryExposureStore): string[] => [...s.dump()].map((u) => JSON.stringify(u));

describe('exposure file', () => {
  it('property: what is written (async or at exit) loads back the same, ids with any characters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pairec-exposure-file-'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.string({ minLength: 1, maxLength: 8 }),
            fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 5 }),
            fc.integer({ min: 1, max: 1e12 }),
          ),
          { maxLength: 30 },
        ),
        fc.boolean(),
        async (writes, sync) => {
          const store = new MemoryExposureStore(BOUNDS);
          for (const [uid, items, at] of writes) store.merge(uid, items, at);
          const file = join(dir, 'exposures.jsonl');
          if (sync) writeExposureFileSync(file, store);
          else await writeExposureFile(file, store);
          const back = new MemoryExposureStore(BOUNDS);
          await loadExposureFile(file, back, recording().logger);
          assert.deepEqual(everything(back), everything(store));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a missing file is an empty one; damaged lines are skipped and named, the others kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pairec-exposure-file-'));
    const file = join(dir, 'exposures.jsonl');
    const { logger, lines } = recording();
    const store = new MemoryExposureStore(BOUNDS);
    await loadExposureFile(file, store, logger);
    assert.equal(store.users, 0);

    store.merge('u1', ['a', 'b'], 10);
    store.merge('u2', ['c'], 20);
    writeExposureFileSync(file, store);
    const text = readFileSync(file, 'utf8').split('\n');
    // Line 2 (u1) damaged, a line with NaN-like garbage and one with mismatched arrays added.
    writeFileSync(file, [text[0], '["u1",["a","b"],[10', text[2], '["u3",["x"],[]]', '["u4",["y"],["soon"]]', ''].join('\n'));
    const back = new MemoryExposureStore(BOUNDS);
    await loadExposureFile(file, back, logger);
    assert.deepEqual([...back.seenNow('u2', 0)], ['c']);
    assert.equal(back.users, 1);
    const err = lines.find((l) => l.msg === 'exposure file lines that are not a user were skipped');
    assert.deepEqual(err?.lines, [2, 4, 5]);

    writeFileSync(file, 'not a header\n["u1",["a"],[1]]\n');
    const none = new MemoryExposureStore(BOUNDS);
    await loadExposureFile(file, none, logger);
    assert.equal(none.users, 0);
    assert.ok(lines.some((l) => l.msg === 'the exposure file has no valid header; not loaded'));
  });
});
