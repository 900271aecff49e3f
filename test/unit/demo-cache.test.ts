import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { stableStringify } from '../../src/algorithm/signature.js';
import { FolderWriter } from '../../src/cache/cache-folder.js';
import { demoCacheDir, loadOrGenerateDemo } from '../../src/catalog/demo-cache.js';
import type { DemoParams } from '../../src/catalog/demo.js';

const params: DemoParams = { items: 300, users: 40, dim: 8, clusters: 5, categories: 3, seed: 3 };

function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('demo catalog cache', () => {
  it('refuses a cached NaN even under valid checksums, naming the file and the row, and regenerates the files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'demo-cache-'));
    try {
      const { logger, lines } = capture();
      const clean = await loadOrGenerateDemo(root, params, logger);
      assert.equal(clean.cached, false);
      const dir = demoCacheDir(root, params);
      // Rewritten through the cache writer, so its checksums vouch for the NaN: only the value check stands between it and a request.
      const users = new Float32Array(clean.columns.userEmbeddings);
      users[4 * params.dim + 2] = NaN;
      await rm(dir, { recursive: true });
      const w = await FolderWriter.open(dir);
      const cols = [clean.columns.itemEmbeddings, users, clean.columns.popularity, clean.columns.category];
      for (const [i, name] of ['items.f32', 'users.f32', 'popularity.f32', 'category.u16'].entries()) {
        const a = cols[i];
        if (a) await w.put(name, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      }
      await w.publish(stableStringify(params), () => Promise.resolve(undefined));
      const again = await loadOrGenerateDemo(root, params, logger);
      assert.equal(again.cached, false, 'regenerated, not served');
      assert.deepEqual(again.columns.userEmbeddings, clean.columns.userEmbeddings);
      const warn = lines.find((l) => l.msg === 'cache file corrupt; regenerating the demo catalog');
      assert.equal(warn?.file, join(dir, 'users.f32'));
      assert.match(String(warn?.reason), /row 4 .*column 2.*NaN/);
      const third = await loadOrGenerateDemo(root, params, logger);
      assert.equal(third.cached, true, 'the replacement is valid');
      assert.deepEqual(
        (await readdir(root)).filter((n) => n.includes('.tmp-')),
        [],
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a cached Infinity in the item embeddings is refused too', async () => {
    const root = await mkdtemp(join(tmpdir(), 'demo-cache-'));
    try {
      const { logger, lines } = capture();
      await loadOrGenerateDemo(root, params, logger);
      const file = join(demoCacheDir(root, params), 'items.f32');
      const bytes = await readFile(file);
      bytes.writeFloatLE(-Infinity, 4 * (17 * params.dim));
      await writeFile(file, bytes);
      assert.equal((await loadOrGenerateDemo(root, params, logger)).cached, false);
      const warn = lines.find((l) => l.msg === 'cache file corrupt; regenerating the demo catalog');
      assert.equal(warn?.file, file, 'caught by its checksum first');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
