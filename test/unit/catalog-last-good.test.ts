import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileIdentity } from '../../src/catalog/file-identity.js';
import { keepLastGood, keepServedFiles, lastGoodOf, lastGoodPath, loadCatalogOrLastGood } from '../../src/catalog/last-good.js';
import type { CatalogConf } from '../../src/config/schema.js';
import { ownData, writeJsonLines } from '../helpers/catalog-files.js';
import { silentLogger } from '../helpers/context.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-last-good-unit-'));
const rows = ownData(40, 0, 4, 9).items;
const noLinks = { link: () => Promise.reject(Object.assign(new Error('cross-device link'), { code: 'EXDEV' })), copyFile };

describe('the last good copy of a catalog file', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is a hard link of the version loaded, a copy where links fail, not made twice, and never of a file replaced meanwhile', async () => {
    const root = join(dir, 'a');
    const path = join(dir, 'a.jsonl');
    writeJsonLines(path, rows.slice(0, 20));
    const loaded = fileIdentity(path);
    assert.equal(await keepLastGood(root, path, loaded), 'linked');
    assert.equal(statSync(lastGoodPath(root, path)).ino, statSync(path).ino, 'the same inode: no bytes copied');
    assert.equal(await keepLastGood(root, path, loaded), 'kept');
    assert.equal(await keepLastGood(join(dir, 'b'), path, loaded, noLinks), 'copied');
    assert.equal(readFileSync(lastGoodPath(join(dir, 'b'), path), 'utf8'), readFileSync(path, 'utf8'));
    // Replaced by rename after it was read: the new file is not the version that loaded.
    writeJsonLines(`${path}.new`, rows.slice(20));
    renameSync(`${path}.new`, path);
    assert.equal(await keepLastGood(join(dir, 'c'), path, loaded), 'changed');
    assert.equal(await keepLastGood(join(dir, 'c'), path, loaded, noLinks), 'changed');
  });

  it('a version is kept once it serves; at start, a file that fails to load gives way to its copy (marked); at a refresh, or without an intact copy, the error stands', async () => {
    const items = join(dir, 'items.jsonl');
    const cache = join(dir, 'cache');
    writeJsonLines(items, rows.slice(0, 30));
    const conf = { Source: 'file', Items: { Path: items, IdField: 'id', EmbeddingField: 'embedding' }, CacheDir: cache, Demo: {} } as unknown as CatalogConf;
    const good = await loadCatalogOrLastGood(conf, silentLogger, true);
    assert.equal(good.itemIds.length, 30);
    assert.equal(lastGoodOf(good), undefined);
    const copy = lastGoodPath(cache, items);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!existsSync(copy), 'read but not yet serving (the config may still refuse it): not kept');
    keepServedFiles(good, silentLogger);
    for (let i = 0; i < 100 && !statSync(`${copy}.identity`, { throwIfNoEntry: false }); i++) await new Promise((r) => setTimeout(r, 20));

    writeFileSync(`${items}.bad`, '{"id":"sku-00001","embedding":[1,2');
    renameSync(`${items}.bad`, items);
    await assert.rejects(loadCatalogOrLastGood(conf, silentLogger, false), /items\.jsonl/);
    const fallback = await loadCatalogOrLastGood(conf, silentLogger, true);
    assert.deepEqual(fallback.itemIds, good.itemIds);
    assert.deepEqual(lastGoodOf(fallback)?.files, [copy]);
    assert.notEqual(fallback.signature, good.signature, 'another signature than the files named: nothing cached under theirs');

    // The copy changed after it was kept (a file rewritten in place, which a link follows): not trusted.
    copyFileSync(copy, `${copy}.orig`);
    appendFileSync(copy, '\n');
    await assert.rejects(loadCatalogOrLastGood(conf, silentLogger, true), /items\.jsonl/);
    renameSync(`${copy}.orig`, copy);
  });
});
