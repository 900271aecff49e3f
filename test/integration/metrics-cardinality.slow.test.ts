import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { createRng } from '../../src/catalog/random.js';
import type { Rng } from '../../src/catalog/random.js';
import { lightMetricsConfig } from '../helpers/metrics-config.js';
import { freePort } from '../helpers/ports.js';
import { ServerProcess } from '../helpers/server-process.js';

/**
 * After a warm-up that makes every request *shape* once, 10,000 requests of those shapes
 * filled with random scene ids, uids, paths and query strings must not add one series to
 * /metrics: every label value comes from a closed set (config names, route templates,
 * status classes or, on PaiRec's HTTP metrics, statuses), never from the request.
 */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
const ROUTES = ['/api/recommend', '/api/callback', '/health', '/ready', '/metrics'] as const;
type PathKind = (typeof ROUTES)[number] | 'random' | 'random-under-api' | 'route-with-query';
const PATH_KINDS: readonly PathKind[] = [...ROUTES, 'random', 'random-under-api', 'route-with-query'];
const BODY_KINDS = ['scene:home', 'scene:broken', 'scene:random', 'scene:absent', 'callback', 'bad-json', 'text', 'none'] as const;
type BodyKind = (typeof BODY_KINDS)[number];
const CONFIG_SCENES = new Set(['home', 'broken']);

interface Shape {
  readonly method: (typeof METHODS)[number];
  readonly path: PathKind;
  readonly body: BodyKind;
}

const word = (rng: Rng, max = 24): string => {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~%é';
  let s = '';
  for (let n = 1 + rng.int(max); n > 0; n--) s += chars[rng.int(chars.length)];
  return encodeURIComponent(s);
};

function request(shape: Shape, rng: Rng): Dispatcher.RequestOptions {
  const path =
    shape.path === 'random'
      ? `/${word(rng)}/${word(rng)}`
      : shape.path === 'random-under-api'
        ? `/api/${word(rng)}`
        : shape.path === 'route-with-query'
          ? `/api/recommend?scene_id=${word(rng)}&${word(rng)}=${word(rng)}`
          : shape.path;
  // No body with GET or HEAD (as browsers and fetch do).
  if (shape.method === 'GET' || shape.method === 'HEAD' || shape.body === 'none') return { path, method: shape.method };
  const uid = decodeURIComponent(word(rng, 40));
  const scene = shape.body === 'scene:random' ? decodeURIComponent(word(rng)) : shape.body.slice('scene:'.length);
  const json =
    shape.body === 'callback'
      ? { uid, scene_id: decodeURIComponent(word(rng)), item_list: [{ item_id: word(rng) }] }
      : shape.body === 'scene:absent'
        ? { uid, size: 1 + rng.int(20) }
        : { uid, size: 1 + rng.int(20), scene_id: scene };
  const text = shape.body === 'bad-json' ? `{"uid": "${uid}", ${word(rng)}` : JSON.stringify(json);
  return { path, method: shape.method, headers: { 'content-type': shape.body === 'text' ? 'text/plain' : 'application/json' }, body: text };
}

/** The series in a /metrics text, keyed by their full name and labels. */
function series(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.slice(0, l.lastIndexOf(' ')));
}

/**
 * prom-client's per-type gauges of the handles, requests and resources alive at the scrape
 * (`type` is a Node class or async resource name: a closed set Node decides, checked below):
 * a type's series comes and goes with the process' current state, not with request values.
 */
const RUNTIME_STATE = /^pairec_nodejs_active_(handles|requests|resources)\{/;
/** PaiRec's HTTP metrics (observability/pairec-metrics.ts), labelled by code, method, host and url. */
const PAIREC_HTTP = /^pairec_(requests_total|request_size_bytes|response_size_bytes)/;

describe('metric label cardinality under random requests (live server)', { timeout: 120_000 }, () => {
  let dir: string;
  let server: ServerProcess;
  let pool: Pool;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pairec-cardinality-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(lightMetricsConfig(await freePort(), join(dir, 'cache'))));
    server = await ServerProcess.start(file);
    await server.waitReady();
    // undici's request API directly: fetch's extra machinery would double the client's CPU share.
    pool = new Pool(server.url, { connections: 16 });
  });
  after(async () => {
    await pool?.close();
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const scrape = async (): Promise<string[]> => series(await (await fetch(`${server.url}/metrics`)).text());
  const send = async (shape: Shape, rng: Rng): Promise<number> => {
    const res = await pool.request(request(shape, rng));
    await res.body.dump();
    return res.statusCode;
  };

  it('10,000 requests with random scene, uid, path, method and body add no series', async () => {
    const rng = createRng(20261127);
    const shapes: Shape[] = METHODS.flatMap((method) => PATH_KINDS.flatMap((path) => BODY_KINDS.map((body) => ({ method, path, body }))));
    for (const shape of shapes) await send(shape, rng); // the warm-up: every shape once
    const warm = await scrape();

    const stable = (s: readonly string[]): string[] => s.filter((x) => !RUNTIME_STATE.test(x)).sort();
    const warmSet = new Set(stable(warm));
    const statuses = new Map<number, number>();
    const started = performance.now();
    // Four rounds of 2,500, checked after each: a leak fails at its first round, before
    // thousands of new series slow the server down.
    let after10k: string[] = warm;
    for (let round = 1; round <= 4; round++) {
      let left = 2_500;
      const worker = async (): Promise<void> => {
        while (left > 0) {
          left--;
          const status = await send(shapes[rng.int(shapes.length)] as Shape, rng);
          assert.ok(status < 500, `a client request got ${status}`);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      after10k = await scrape();
      const added = stable(after10k).filter((s) => !warmSet.has(s));
      assert.deepEqual(added.slice(0, 20), [], `${added.length} series added after ${round * 2_500} requests`);
      assert.equal(stable(after10k).length, warmSet.size);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `series after warm-up (${shapes.length} requests): ${warm.length}, after 10,000 more: ${after10k.length} (${warmSet.size} → ${stable(after10k).length} without the per-type active handle gauges); ${seconds.toFixed(1)} s; statuses ${JSON.stringify([...statuses])}`,
    );
    assert.ok(statuses.size > 3, 'the random requests took several paths through the server');

    // Every request-derived label value is from its closed set.
    for (const s of after10k) {
      for (const [, key, value] of s.matchAll(/(\w+)="([^"]*)"/g)) {
        if (key === 'scene') assert.ok(CONFIG_SCENES.has(value ?? '') || value === 'none', s);
        if (key === 'route') assert.ok((ROUTES as readonly string[]).includes(value ?? '') || value === 'unmatched', s);
        // PaiRec's HTTP metrics label the exact status (a closed set too), the engine's the class.
        if (key === 'code') assert.match(value ?? '', PAIREC_HTTP.test(s) ? /^[1-5]\d\d$/ : /^[1-5]xx$/, s);
        if (key === 'url') assert.ok((ROUTES as readonly string[]).includes(value ?? '') || value === 'unmatched', s);
        if (key === 'host') assert.equal(value, `127.0.0.1:${server.port}`, s);
        if (key === 'method') assert.ok((METHODS as readonly string[]).includes(value ?? ''), s);
        if (key === 'kind' && s.includes('_gc_')) assert.match(value ?? '', /^(minor|major|incremental|weakcb)$/, s);
        if (key === 'type' && RUNTIME_STATE.test(s)) assert.match(value ?? '', /^[A-Za-z]+$/, s);
      }
    }
  });
});
