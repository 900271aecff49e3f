import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkFolder, FolderWriter, META_FILE } from '../../src/cache/cache-folder.js';
import { removeStaleTemps } from '../../src/cache/temp-folders.js';
import { firstNonFinite } from '../../src/vector/finite.js';

async function write(target: string, key: string, files: readonly (readonly [string, Uint8Array])[]): Promise<boolean> {
  const w = await FolderWriter.open(target);
  for (const [name, data] of files) await w.put(name, data);
  const res = await w.publish(key, async () =>
    (
      await checkFolder(
        target,
        key,
        files.map(([n]) => n),
      )
    ).status === 'ok'
      ? true
      : undefined,
  );
  return res.published;
}

/** A pid no process has: one a child had just before it exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const temps = async (root: string): Promise<string[]> => (await readdir(root)).filter((n) => n.includes('.tmp-'));

describe('cache folders: checksummed files, published by rename', () => {
  const fileSet = fc.uniqueArray(
    fc.record({ name: fc.constantFrom('a.f32', 'b.f32', 'c.u16', 'index.bin'), data: fc.uint8Array({ minLength: 1, maxLength: 4096 }) }),
    { minLength: 1, maxLength: 4, selector: (f) => f.name },
  );

  it('detects any one damaged byte of any file, the metadata included, and names that file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cache-folder-'));
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fileSet, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (files, which, at, mask) => {
          const dir = join(root, `f${n++}`);
          const entries = files.map((f) => [f.name, f.data] as const);
          assert.equal(await write(dir, 'key', entries), true);
          const names = files.map((f) => f.name);
          const ok = await checkFolder(dir, 'key', names, new Set(names));
          assert.equal(ok.status, 'ok');
          if (ok.status === 'ok') for (const f of files) assert.deepEqual(new Uint8Array(ok.files.get(f.name) ?? []), f.data);
          const victim = join(dir, [...names, META_FILE][which % (names.length + 1)] ?? META_FILE);
          const bytes = await readFile(victim);
          const i = at % bytes.length;
          bytes[i] = (bytes[i] as number) ^ mask;
          await writeFile(victim, bytes);
          const bad = await checkFolder(dir, 'key', names);
          assert.equal(bad.status, 'corrupt', `byte ${i} of ${victim} xor ${mask}`);
          if (bad.status === 'corrupt') assert.equal(bad.file, victim);
          await rm(dir, { recursive: true });
        }),
        { numRuns: 300 },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('detects a truncated or extended file, a missing file, other parameters, and tells a missing folder apart', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cache-folder-'));
    try {
      const dir = join(root, 'x');
      assert.deepEqual(await checkFolder(dir, 'k', ['a']), { status: 'missing' });
      await write(dir, 'k', [
        ['a', new Uint8Array(100).fill(7)],
        ['b', new Uint8Array(10)],
      ]);
      assert.equal((await checkFolder(dir, 'other', ['a', 'b'])).status, 'corrupt');
      assert.equal((await checkFolder(dir, 'k', ['a'])).status, 'corrupt', 'a folder listing other files');
      await writeFile(join(dir, 'a'), new Uint8Array(99).fill(7));
      assert.equal((await checkFolder(dir, 'k', ['a', 'b'])).status, 'corrupt');
      await writeFile(join(dir, 'a'), new Uint8Array(101).fill(7));
      assert.equal((await checkFolder(dir, 'k', ['a', 'b'])).status, 'corrupt');
      await rm(join(dir, 'b'));
      assert.equal((await checkFolder(dir, 'k', ['a', 'b'])).status, 'corrupt');
      await rm(join(dir, META_FILE));
      assert.equal((await checkFolder(dir, 'k', ['a', 'b'])).status, 'corrupt', 'a folder without metadata is not a miss: it is replaced');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('two writers of the same folder at once: one publishes, the other keeps its copy, no temporary folder is left', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cache-folder-'));
    try {
      for (let round = 0; round < 20; round++) {
        const dir = join(root, `r${round}`);
        const data = new Uint8Array(50_000).fill(round);
        const results = await Promise.all([write(dir, 'k', [['a', data]]), write(dir, 'k', [['a', data]])]);
        assert.equal(results.filter(Boolean).length, 1, 'exactly one rename wins');
        assert.equal((await checkFolder(dir, 'k', ['a'])).status, 'ok');
      }
      assert.deepEqual(await temps(root), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('replaces a corrupt or foreign folder in place, and removes temporary folders of dead processes but not of live ones', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cache-folder-'));
    try {
      const dir = join(root, 'demo-x');
      await mkdir(dir);
      await writeFile(join(dir, 'meta.json'), '{"params":{}}'); // an earlier layout
      await writeFile(join(dir, 'a'), 'junk');
      const dead = deadPid();
      const legacy = `${dir}.tmp-${dead}`;
      const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
      const ours = `${dir}.tmp-${host}-${process.pid}-00000000`; // a crashed start that had our pid (a restarted container)
      const deadHere = `${dir}.tmp-${host}-${dead}-11111111`;
      const foreign = `${dir}.tmp-0badc0de-${dead}-22222222`; // another host sharing the volume: its pid means nothing here
      const live = `${dir}.tmp-${process.ppid}`; // a process that is still running: left alone
      for (const t of [legacy, ours, deadHere, foreign, live]) {
        await mkdir(t);
        await writeFile(join(t, 'a'), new Uint8Array(1000));
      }
      const removed = (await removeStaleTemps(dir)).map((r) => r.path).sort();
      assert.deepEqual(removed, [legacy, ours, deadHere].sort());
      assert.equal(await write(dir, 'k', [['a', new Uint8Array(10).fill(1)]]), true);
      assert.equal((await checkFolder(dir, 'k', ['a'])).status, 'ok');
      assert.deepEqual((await temps(root)).sort(), [`demo-x.tmp-0badc0de-${dead}-22222222`, `demo-x.tmp-${process.ppid}`]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('finds the first non-finite float, and only those', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ noNaN: true, noDefaultInfinity: true, minLength: 1, maxLength: 200 }),
        fc.nat(),
        fc.constantFrom(NaN, Infinity, -Infinity),
        (values, at, bad) => {
          assert.equal(firstNonFinite(values), undefined);
          const i = at % values.length;
          values[i] = bad;
          assert.deepEqual(firstNonFinite(values)?.index, i);
        },
      ),
    );
  });
});
