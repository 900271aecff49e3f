import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { Engine } from '../../src/engine/engine.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { buildApp } from '../../src/server/app.js';
import { checkProfilingAccess, isLoopback } from '../../src/server/profiling-guard.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

const TOKEN = 'profiling-token-0123456789abcdef';

async function appWith(monitoring: Record<string, unknown> | undefined): Promise<{ app: FastifyInstance; engine: Engine }> {
  const metrics = testMetrics();
  const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
  await engine.apply(engine.parse(monitoring ? { monitoring } : {}));
  const app = buildApp({ engine, metrics, logger: silentLogger, state: { draining: false, loadError: false }, bodyLimit: 65536 });
  await app.ready();
  return { app, engine };
}

const ROUTES = ['/debug/pprof/profile?seconds=1', '/debug/pprof/allocs?seconds=1', '/debug/pprof/heap'];

describe('profiling endpoints', () => {
  const apps: FastifyInstance[] = [];
  after(async () => {
    for (const a of apps) await a.close();
  });

  it('are off by default: 404 ERR_NOT_FOUND, even from loopback', async () => {
    const { app } = await appWith(undefined);
    apps.push(app);
    for (const url of ROUTES) {
      const res = await app.inject({ url, remoteAddress: '127.0.0.1' });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json<{ error_code: string }>().error_code, 'ERR_NOT_FOUND');
    }
  });

  it('without a token serve loopback callers only', async () => {
    const { app } = await appWith({ profiling: { enabled: true } });
    apps.push(app);
    const far = await app.inject({ url: '/debug/pprof/profile?seconds=1', remoteAddress: '10.1.2.3' });
    assert.equal(far.statusCode, 403);
    assert.equal(far.json<{ error_code: string }>().error_code, 'ERR_FORBIDDEN');
    const near = await app.inject({ url: '/debug/pprof/profile?seconds=1', remoteAddress: '::ffff:127.0.0.1' });
    assert.equal(near.statusCode, 200);
    const profile = near.json<{ nodes: unknown[]; startTime: number; endTime: number; samples: number[] }>();
    assert.ok(profile.nodes.length > 0 && Array.isArray(profile.samples));
    // The profile spans the requested second (generous margin on a busy machine).
    const spanMs = (profile.endTime - profile.startTime) / 1000;
    assert.ok(spanMs >= 900 && spanMs < 10_000, `profile spans ${spanMs} ms`);
    assert.match(String(near.headers['content-disposition']), new RegExp(`^attachment; filename="pairec-${process.pid}-[0-9T-]+Z\\.cpuprofile"$`));
  });

  it('with a token want it as a Bearer token, from anywhere', async () => {
    const { app } = await appWith({ profiling: { enabled: true, token: TOKEN } });
    apps.push(app);
    const url = '/debug/pprof/allocs?seconds=1';
    const none = await app.inject({ url, remoteAddress: '127.0.0.1' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json<{ error_code: string }>().error_code, 'ERR_UNAUTHORIZED');
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, 'Bearer wrong', `Basic ${TOKEN}`]) {
      const res = await app.inject({ url, remoteAddress: '127.0.0.1', headers: { authorization } });
      assert.ok(res.statusCode === 403 || res.statusCode === 401, authorization);
      assert.ok(!res.body.includes(TOKEN), 'the token is never echoed');
    }
    const ok = await app.inject({ url, remoteAddress: '192.0.2.7', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.statusCode, 200);
    const heap = ok.json<{ head: { callFrame: unknown; children: unknown[] }; samples: unknown[] }>();
    assert.ok(heap.head.callFrame && Array.isArray(heap.head.children) && Array.isArray(heap.samples));
  });

  it('bound seconds to 1..60 (400 naming the field)', async () => {
    const { app } = await appWith({ profiling: { enabled: true } });
    apps.push(app);
    for (const s of ['0', '61', 'abc', '1.5', '-1', '', '1e1']) {
      const res = await app.inject({ url: `/debug/pprof/profile?seconds=${s}`, remoteAddress: '127.0.0.1' });
      assert.equal(res.statusCode, 400, `seconds=${s}`);
      const body = res.json<{ error_code: string; field: string }>();
      assert.equal(body.error_code, 'ERR_INVALID_FIELD');
      assert.equal(body.field, 'seconds');
    }
  });

  it('take one profile at a time (409 while busy), then serve again', async () => {
    const { app } = await appWith({ profiling: { enabled: true } });
    apps.push(app);
    const first = app.inject({ url: '/debug/pprof/profile?seconds=2', remoteAddress: '127.0.0.1' });
    await new Promise((r) => setTimeout(r, 300));
    const second = await app.inject({ url: '/debug/pprof/heap', remoteAddress: '127.0.0.1' });
    assert.equal(second.statusCode, 409);
    assert.equal(second.json<{ error_code: string }>().error_code, 'ERR_PROFILER_BUSY');
    assert.equal((await first).statusCode, 200);
    const third = await app.inject({ url: '/debug/pprof/profile?seconds=1', remoteAddress: '127.0.0.1' });
    assert.equal(third.statusCode, 200);
  });

  it('stream a heap snapshot', async () => {
    const { app } = await appWith({ profiling: { enabled: true } });
    apps.push(app);
    const res = await app.inject({ url: '/debug/pprof/heap', remoteAddress: '127.0.0.1' });
    assert.equal(res.statusCode, 200);
    const snap = res.json<{ snapshot: { meta: { node_fields: string[] }; node_count: number }; nodes: number[]; strings: string[] }>();
    assert.ok(snap.snapshot.meta.node_fields.includes('name'));
    assert.ok(snap.snapshot.node_count > 0 && snap.nodes.length > 0);
    // Free again once the stream ended.
    const again = await app.inject({ url: '/debug/pprof/profile?seconds=1', remoteAddress: '127.0.0.1' });
    assert.equal(again.statusCode, 200);
  });
});

describe('profiling guard', () => {
  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
    for (const a of ['10.0.0.1', '::', '::ffff:10.0.0.1', '0.0.0.0', '1127.0.0.1', 'localhost', undefined, '']) assert.ok(!isLoopback(a), String(a));
  });

  it('admits exactly the configured token', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 16, maxLength: 64 }).filter((t) => !/\s/.test(t)),
        fc.string({ maxLength: 80 }),
        (token, other) => {
          const conf = { enabled: true, token };
          assert.equal(checkProfilingAccess(conf, `Bearer ${token}`, '10.0.0.1', '/x'), undefined);
          const denied = checkProfilingAccess(conf, `Bearer ${other}`, '127.0.0.1', '/x');
          if (other === token) assert.equal(denied, undefined);
          else assert.ok(denied && (denied.code === 'ERR_FORBIDDEN' || denied.code === 'ERR_UNAUTHORIZED'));
        },
      ),
    );
  });
});
