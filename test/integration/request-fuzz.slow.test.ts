import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Pool } from 'undici';
import { ServerProcess } from '../helpers/server-process.js';
import { hostileBody, pollutionBody } from '../helpers/hostile-bodies.js';
import { probeConfig, startProbeApp } from '../helpers/probe-app.js';
import { assertNoProcessErrors } from '../helpers/process-errors.js';
import { fastConfig } from '../helpers/fast-config.js';

const N = 10_000;
const CONCURRENCY = 16;

/** The fast config (no index to build), with a second scene and the exposure filter: the run measures the request path. */
const fuzzConfig = (): Record<string, unknown> =>
  fastConfig({
    SceneConfs: { default_scene: { default: { RecallNames: ['hot_recall'] } }, hot_scene: { default: { RecallNames: ['hot_recall'] } } },
    FilterNames: { default_scene: ['UniqueFilter', 'User2ItemExposureFilter'] },
  });

const heapUsed = async (url: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^pairec_nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  assert.ok(m, 'the heap gauge is exported');
  return Number(m[1]);
};

describe('request limits under 10,000 generated bodies', () => {
  let server: ServerProcess;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pairec-fuzz-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(fuzzConfig()));
    server = await ServerProcess.start(join(dir, 'config.json'), ['--no-watch']);
    await server.waitReady();
  });
  after(async () => {
    await server.stop('SIGKILL');
  });

  it('a live server answers every one 200, 400 or 413 (catalog body, no stack), heap growth < 50 MB', async (t) => {
    const bodies = fc.sample(fc.tuple(hostileBody, fc.constantFrom('/api/recommend', '/api/recommend', '/api/recommend', '/api/callback')), {
      numRuns: N,
      seed: 20261126,
    });
    const pool = new Pool(server.url, { connections: CONCURRENCY, pipelining: 1 });
    const warm = bodies.slice(0, 500);
    const send = async ([body, path]: [string, string]): Promise<{ status: number; text: string; body: string }> => {
      try {
        const res = await pool.request({ path, method: 'POST', body, headers: { 'content-type': 'application/json' } });
        return { status: res.statusCode, text: await res.body.text(), body };
      } catch (err) {
        return { status: 0, text: (err as Error).message, body };
      }
    };
    const runAll = async (list: [string, string][]): Promise<{ status: number; text: string; body: string }[]> => {
      const out: { status: number; text: string; body: string }[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < list.length) out.push(await send(list[next++] as [string, string]));
        }),
      );
      return out;
    };
    await runAll(warm);
    const heapBefore = await heapUsed(server.url);
    const started = Date.now();
    const results = await runAll(bodies);
    const seconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 500));
    const heapAfter = await heapUsed(server.url);
    await pool.close();

    const counts: Record<string, number> = {};
    for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
    t.diagnostic(`${results.length} bodies in ${seconds.toFixed(1)} s: ${JSON.stringify(counts)}`);
    t.diagnostic(
      `heap used ${(heapBefore / 2 ** 20).toFixed(1)} MB → ${(heapAfter / 2 ** 20).toFixed(1)} MB (growth ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MB)`,
    );
    const unexpected = results.filter((r) => ![200, 400, 413].includes(r.status));
    assert.deepEqual(
      unexpected.slice(0, 5).map((r) => `${r.status} ${r.text.slice(0, 200)} ← ${r.body.slice(0, 120)}`),
      [],
      'only 200, 400 or 413',
    );
    for (const r of results) {
      if (r.status === 200) continue;
      const body = JSON.parse(r.text) as { code: number; error_code: string };
      assert.equal(body.code, r.status);
      assert.match(body.error_code, /^ERR_[A-Z_]+$/);
      assert.doesNotMatch(r.text, /\n\s+at /, 'no stack trace');
    }
    assert.ok((counts['200'] ?? 0) > N / 5 && (counts['400'] ?? 0) > N / 5 && (counts['413'] ?? 0) > N / 50, 'the mix reaches every outcome');
    assert.ok(heapAfter - heapBefore < 50 * 2 ** 20, 'heap growth < 50 MB');
    assert.equal((await server.post('/api/recommend', '{"uid":"1"}')).status, 200, 'still serving');
    await assertNoProcessErrors(server.url);
  });

  it('no body pollutes a prototype in the server (in-process app, fastify.inject)', async (t) => {
    // inject never yields to the timers phase, so the loop-lag sampler would keep the stall of fc.sample.
    const srv = await startProbeApp(probeConfig({ shed_loop_delay_ms: 0 }));
    t.after(() => srv.close());
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const bodies = fc.sample(fc.oneof(pollutionBody, hostileBody), { numRuns: 2000, seed: 7 });
    const statuses: Record<string, number> = {};
    for (const body of bodies) {
      for (const url of ['/api/recommend', '/api/callback']) {
        const res = await srv.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json' } });
        const key = res.statusCode === 200 ? '200' : `${res.statusCode} ${(JSON.parse(res.body) as { error_code: string }).error_code}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }
    t.diagnostic(`${bodies.length * 2} injected requests: ${JSON.stringify(statuses)}`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before, 'Object.prototype unchanged');
    assert.ok(
      Object.keys(statuses).every((s) => /^(200|400|413)\b/.test(s)),
      JSON.stringify(statuses),
    );
  });
});
