import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vectorSource } from '../../src/cli/vector-source.js';
import { startChangePoll } from '../../src/companions/change-poll.js';
import type { IndexSpec } from '../../src/vector/vector-index.js';
import { silentLogger } from '../helpers/context.js';
import { ownData, writeJsonLines } from '../helpers/catalog-files.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-vector-source-'));
const spec: IndexSpec = { kind: 'flat', space: 'ip', M: 16, EfConstruction: 100, Nlist: 0, Seed: 100 };

function writeItems(path: string, items: number, seed: number): void {
  const data = ownData(items, 1, 8, seed);
  writeJsonLines(
    `${path}.tmp`,
    data.items.map((r) => ({ id: `${String(seed)}-${r.id}`, embedding: r.embedding })),
  );
  renameSync(`${path}.tmp`, path);
}

describe('vector-server --catalog: the files a change poll watches', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a file catalog’s items file replaced by rename is a change, not only its config', async () => {
    const config = join(dir, 'catalog.json');
    writeFileSync(config, JSON.stringify({ CatalogConf: { Source: 'file', Items: { Path: 'items.jsonl' }, CacheDir: '' } }));
    writeItems(join(dir, 'items.jsonl'), 30, 1);
    const src = await vectorSource(undefined, config, undefined, spec);
    const served: string[][] = [];
    const reload = async (): Promise<void> => {
      served.push([...(await src.load()).data.labels]);
    };
    await reload();
    assert.equal(served[0]?.length, 30);
    assert.ok(served[0]?.every((l) => l.startsWith('1-sku-')));
    const poll = startChangePoll({ intervalMs: 3_600_000, record: src.record, reload, logger: silentLogger });
    try {
      assert.equal(await poll.check(), false);
      writeItems(join(dir, 'items.jsonl'), 40, 2); // the config is untouched
      assert.equal(await poll.check(), false, 'first sight');
      assert.equal(await poll.check(), true, 'stable: reloaded');
      assert.equal(served[1]?.length, 40);
      assert.ok(served[1]?.every((l) => l.startsWith('2-sku-')));
      assert.equal(await poll.check(), false, 'nothing more to do');
    } finally {
      poll.stop();
    }
  });
});
