import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CatalogRefresher } from '../../src/engine/catalog-refresh.js';
import type { RefreshTarget } from '../../src/engine/catalog-refresh.js';
import type { ApplyResult } from '../../src/engine/engine.js';
import type { CatalogConf } from '../../src/config/schema.js';
import { PairecError } from '../../src/errors.js';
import { silentLogger } from '../helpers/context.js';

const conf = {
  Source: 'hologres',
  Items: { HologresName: 'h', HologresTableName: 't', IdField: 'id', EmbeddingField: 'e' },
  CacheDir: '',
  Demo: {},
} as unknown as CatalogConf;
const applied = { signature: 'x', built: [], kept: [] } as unknown as ApplyResult;

/** A table catalog's refresher over a scripted source: each check's version read and load outcome. */
function scripted(steps: { version: string | Error; load?: Error }[]): { refresher: CatalogRefresher; loads: () => number; counted: () => number } {
  let serving = 'v1';
  let loads = 0;
  let counted = 0;
  let step = 0;
  const target: RefreshTarget = {
    serving: () => ({ conf, signature: serving }),
    // Each check reads the version once: that read moves the script to its step.
    signature: async () => {
      const v = steps[step++]?.version ?? serving;
      if (v instanceof Error) throw v;
      return v;
    },
    refreshCatalog: async () => {
      loads++;
      const s = steps[step - 1];
      if (s?.load) throw s.load;
      serving = String(s?.version);
      return applied;
    },
    countFailure: () => counted++,
  };
  const refresher = new CatalogRefresher(target, silentLogger);
  return { refresher, loads: () => loads, counted: () => counted };
}

const down = (): PairecError => new PairecError('ERR_BACKEND_UNAVAILABLE', 'hologres "h" (table "t"): connect ECONNREFUSED');

describe('table catalog refresh checks (CatalogRefresher, scripted source)', () => {
  it('an unreadable version is counted and keeps the catalog; nothing is loaded', async () => {
    const s = scripted([{ version: down() }, { version: 'v1' }]);
    assert.equal(await s.refresher.check(), 'failed');
    assert.equal(s.counted(), 1);
    assert.equal(await s.refresher.check(), 'unchanged', 'the same version once back: nothing to read');
    assert.equal(s.loads(), 0);
  });

  it('a read cut by the database going down is retried at the next check; a bad version is not', async () => {
    const s = scripted([
      { version: 'v2', load: down() },
      { version: 'v2' },
      { version: 'v3', load: new PairecError('ERR_DATA_INVALID', 'row 1: bad') },
      { version: 'v3' },
    ]);
    assert.equal(await s.refresher.check(), 'failed');
    assert.equal(await s.refresher.check(), 'refreshed', 'the same version read again once the database is back');
    assert.equal(await s.refresher.check(), 'failed');
    assert.equal(await s.refresher.check(), 'unchanged', 'a bad version waits for the next change');
    assert.equal(s.loads(), 3);
  });
});
