import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { Pool } from 'undici';
import { ServerProcess } from '../helpers/server-process.js';
import { assertNoProcessErrors } from '../helpers/process-errors.js';

const RELOADS = 50;
const RATE = 200;

/** Generation `n` of the good config: the scene `gen_<n>` exists only in it, so responses show which one serves. */
function good(n: number): Record<string, unknown> {
  return {
    ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0 },
    CatalogConf: { Source: 'demo', Demo: { Items: 500, Users: 50, Dim: 4, Clusters: 10, Categories: 4, Seed: 5 }, CacheDir: '' },
    AlgoConfs: [{ Name: 'popularity_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } }],
    RecallConfs: [{ Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 50 }],
    SceneConfs: { default_scene: { default: { RecallNames: ['hot_recall'] } }, [`gen_${n}`]: { default: { RecallNames: ['hot_recall'] } } },
    RankConf: { default_scene: { RankAlgoList: ['popularity_lookup'] } },
  };
}

type Kind = 'good' | 'invalid_json' | 'truncated' | 'proto' | 'unknown_type' | 'wrong_value' | 'empty';
/** The file content of one reload of `kind`; `n` numbers the good generations. */
function content(kind: Kind, n: number): string {
  const text = JSON.stringify(good(n));
  switch (kind) {
    case 'good':
      return text;
    case 'invalid_json':
      return text.replace('{', '{,');
    case 'truncated':
      return text.slice(0, Math.floor(text.length / 2));
    case 'proto':
      return text.replace('{', '{"__proto__":{"polluted":true},');
    case 'unknown_type':
      return JSON.stringify({ ...good(n), AlgoConfs: [{ Name: 'popularity_lookup', Type: 'NOPE' }] });
    case 'wrong_value':
      return JSON.stringify({ ...good(n), performance: { max_concurrent_requests: 'many' } });
    default:
      return '';
  }
}

describe('atomic reload under fire (real process)', () => {
  it(`${RELOADS} mixed reloads at ${RATE} req/s: zero 5xx, and the last good config keeps serving`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pairec-reload-fire-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(good(0)));
    const server = await ServerProcess.start(path);
    t.after(() => server.stop('SIGKILL'));
    await server.waitReady();

    const pool = new Pool(server.url, { connections: 32 });
    const statuses: Record<string, number> = {};
    let stop = false;
    const t0 = performance.now();
    let sent = 0;
    const inflight = new Set<Promise<void>>();
    const fire = (async () => {
      while (!stop) {
        const due = Math.floor(((performance.now() - t0) * RATE) / 1000);
        while (sent < due) {
          sent++;
          const p = pool
            .request({ path: '/api/recommend', method: 'POST', body: '{"uid":"1","size":10}', headers: { 'content-type': 'application/json' } })
            .then(async (res) => {
              await res.body.dump();
              statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            })
            .catch((err: Error) => {
              statuses[`error ${err.message}`] = (statuses[`error ${err.message}`] ?? 0) + 1;
            })
            .finally(() => inflight.delete(p));
          inflight.add(p);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const kinds = fc.sample(fc.constantFrom<Kind>('good', 'good', 'good', 'invalid_json', 'truncated', 'proto', 'unknown_type', 'wrong_value', 'empty'), {
      numRuns: RELOADS,
      seed: 8,
    });
    kinds[RELOADS - 1] = 'truncated'; // the last write is broken: the good one before it must keep serving
    let generation = 0;
    let lastGood = 0;
    const results: Record<string, number> = {};
    for (const kind of kinds) {
      if (kind === 'good') lastGood = ++generation;
      const from = server.lines.length;
      const text = content(kind, generation);
      // Good files arrive as editors and ConfigMaps write them (rename); broken ones also in place, half-written.
      if (kind === 'truncated' || kind === 'empty') writeFileSync(path, text);
      else {
        writeFileSync(`${path}.tmp`, text);
        renameSync(`${path}.tmp`, path);
      }
      const line = await server.waitFor(
        (l) => server.lines.indexOf(l) >= from && (l.msg === 'config reloaded' || String(l.msg).startsWith('config reload rejected')),
        20_000,
      );
      const outcome = line.msg === 'config reloaded' ? 'reloaded' : 'rejected';
      results[`${kind} → ${outcome}`] = (results[`${kind} → ${outcome}`] ?? 0) + 1;
    }
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await fire;
    await Promise.all(inflight);
    await pool.close();
    const seconds = (performance.now() - t0) / 1000;

    const serving = await server.post('/api/recommend', JSON.stringify({ uid: '1', scene_id: `gen_${lastGood}` }));
    const previous = await server.post('/api/recommend', JSON.stringify({ uid: '1', scene_id: `gen_${lastGood - 1}` }));
    t.diagnostic(`${RELOADS} reloads in ${seconds.toFixed(1)} s: ${JSON.stringify(results)}`);
    t.diagnostic(`${sent} requests at ${(sent / seconds).toFixed(0)} req/s: ${JSON.stringify(statuses)}`);
    assert.deepEqual(Object.keys(statuses), ['200'], 'every request answered 200: no 5xx, no error');
    for (const [k, v] of Object.entries(results)) {
      assert.ok(k === 'good → reloaded' || (!k.startsWith('good') && k.endsWith('rejected')), `${k} (${v})`);
    }
    assert.equal(serving.status, 200, `the last good config (gen_${lastGood}) serves`);
    assert.equal(previous.status, 404, 'the one before it is gone');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    await assertNoProcessErrors(server.url);
  });
});
