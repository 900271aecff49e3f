import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/validate.js';
import type { ConfigVocabulary } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { tableNeeds } from '../../src/store/table-layouts.js';
import { smallConfig } from '../helpers/config.js';

const vocab: ConfigVocabulary = builtinVocabulary(createDefaultRegistry());

function withCatalog(catalog: Record<string, unknown>): Record<string, unknown> {
  const c = smallConfig('/tmp/unused');
  c.HologresConfs = { holo: { DSN: 'postgres://u@127.0.0.1:5432/db' } };
  c.MysqlConfs = { my: { DSN: 'u@tcp(127.0.0.1:3306)/db' } };
  c.CatalogConf = { CacheDir: '', ...catalog };
  return c;
}

function problemsOf(catalog: Record<string, unknown>): string[] {
  try {
    parseConfig(withCatalog(catalog), vocab);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => p.message);
  }
  return [];
}

const holoItems = { HologresName: 'holo', HologresTableName: 'public.items', IdField: 'item_id', EmbeddingField: 'emb' };

describe('CatalogConf.Source "hologres" | "mysql" at config load', () => {
  it("loads PaiRec's table keys for each source", () => {
    assert.deepEqual(
      problemsOf({
        Source: 'hologres',
        Items: { ...holoItems, VersionField: 'update_time' },
        Users: { HologresName: 'holo', HologresTableName: 'users' },
        RefreshSeconds: 30,
      }),
      [],
    );
    assert.deepEqual(problemsOf({ Source: 'mysql', Items: { MysqlName: 'my', MysqlTable: 'items' } }), []);
  });

  it("names every missing key, an unknown database entry and another source's key, with its path", () => {
    const p = problemsOf({ Source: 'hologres', Items: { HologresName: 'nope', Path: 'items.csv' }, Users: { MysqlName: 'my', MysqlTable: 'u' } });
    const has = (s: string): void =>
      assert.ok(
        p.some((m) => m.includes(s)),
        `${s}\n in:\n${p.join('\n')}`,
      );
    has('$.CatalogConf.Items.Path: belongs to Source "file", not "hologres"');
    has('$.CatalogConf.Items.HologresTableName: required by Source "hologres"');
    has('$.CatalogConf.Items.HologresName: no entry "nope" in HologresConfs');
    has('$.CatalogConf.Users.MysqlName: belongs to Source "mysql"');
    has('$.CatalogConf.Users.HologresName: required by Source "hologres"');
    assert.ok(problemsOf({ Source: 'mysql' }).some((m) => m.startsWith('$.CatalogConf.Items: Source "mysql" needs Items')));
    assert.ok(problemsOf({ Source: 'file', Items: { ...holoItems } }).some((m) => m.includes('$.CatalogConf.Items.Path: required by Source "file"')));
  });

  it('lists the catalog tables and the columns they need for the layout check (serve and validate --connect)', () => {
    const config = parseConfig(
      withCatalog({ Source: 'hologres', Items: { ...holoItems, VersionField: 'update_time' }, Users: { HologresName: 'holo', HologresTableName: 'users' } }),
      vocab,
    );
    const needs = tableNeeds(config).filter((n) => n.path.startsWith('$.CatalogConf'));
    assert.deepEqual(
      needs.map((n) => [n.path, n.table, n.columns]),
      [
        ['$.CatalogConf.Items.HologresTableName', 'public.items', ['item_id', 'emb', 'update_time']],
        ['$.CatalogConf.Users.HologresTableName', 'users', ['id', 'embedding']],
      ],
    );
  });
});
