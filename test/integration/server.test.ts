import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { smallConfig } from '../helpers/config.js';
import { ServerProcess } from '../helpers/server-process.js';
import { ALGORITHM_DURATION_BUCKETS } from '../../src/observability/metrics.js';

interface RecommendBody {
  code: number;
  msg: string;
  request_id: string;
  size: number;
  items: { item_id: string; retrieve_id: string; score: number }[];
}
interface ErrorBody {
  code: number;
  error_code: string;
  msg: string;
  field?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'pairec-it-'));
const configPath = join(dir, 'config.json');
/** Replaces the config file the way editors and ConfigMaps do: write a temp file, rename it. */
function writeConfig(config: unknown | string): void {
  const tmp = `${configPath}.tmp`;
  writeFileSync(tmp, typeof config === 'string' ? config : JSON.stringify(config));
  renameSync(tmp, configPath);
}

/**
 * Sends a body of `bytes` bytes over a raw socket, one 64 KiB chunk per event-loop turn
 * until the response's status line arrives, and returns the status. The server answers
 * 413 from the Content-Length alone and closes; a client that kept blasting the body
 * could see that close as a reset before it reads the answer, so this one stops writing
 * once answered, as a client with `Expect: 100-continue` would.
 */
function postLarge(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let status = 0;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      response += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
      if (m && status === 0) {
        status = Number(m[1]);
        resolve(status);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (status === 0) reject(new Error(`closed without a status line: ${response}`));
    });
    socket.write(`POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const step = (): void => {
      if (status !== 0 || socket.destroyed || sent >= bytes) return;
      sent += chunk.length;
      socket.write(chunk, () => setTimeout(step, 1));
    };
    step();
  });
}

/** Writes raw bytes and returns whatever the server answers before closing. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (out += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(out));
    socket.write(text);
  });
}

describe('pairec serve (real process)', () => {
  const config = smallConfig(join(dir, 'cache'));
  let server: ServerProcess;

  before(async () => {
    writeConfig(config);
    server = await ServerProcess.start(configPath);
  });
  after(async () => {
    if (server.proc.exitCode === null) await server.stop('SIGKILL');
  });

  it('answers /health at once and /ready once loaded', async () => {
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    await server.waitReady();
    const ready = await fetch(`${server.url}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, 'ready');
  });

  it('recommends 10 distinct items with scores in PaiRec’s response shape', async () => {
    const res = await server.post('/api/recommend', '{"uid":"1","size":10}');
    assert.equal(res.status, 200);
    const body = (await res.json()) as RecommendBody;
    assert.equal(body.code, 200);
    assert.equal(body.msg, 'success');
    assert.equal(body.size, 10);
    assert.equal(body.items.length, 10);
    assert.equal(new Set(body.items.map((i) => i.item_id)).size, 10);
    for (const item of body.items) {
      assert.equal(typeof item.score, 'number');
      assert.ok(item.retrieve_id.length > 0);
    }
    assert.ok(body.request_id.length > 0);
  });

  it('exposes the spec’s three algorithm metrics with their buckets and labels', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const le of ALGORITHM_DURATION_BUCKETS) {
      assert.ok(text.includes(`pairec_algorithm_duration_seconds_bucket{le="${le}",algorithm_name="item_ann",algorithm_type="ANN"}`), `duration bucket ${le}`);
    }
    assert.match(text, /pairec_algorithm_requests_total\{algorithm_name="similarity_lookup",algorithm_type="LOOKUP",status="success"\} [1-9]/);
    assert.match(text, /pairec_algorithm_input_size_bucket\{le="16384",algorithm_name="item_ann"\} [1-9]/);
    assert.match(text, /pairec_algorithm_input_size_bucket\{le="1",algorithm_name="item_ann"\} [1-9]/);
  });

  it('filters items a callback recorded as exposed', async () => {
    const first = (await (await server.post('/api/recommend', '{"uid":"77","size":10}')).json()) as RecommendBody;
    assert.equal(first.items.length, 10);
    const cb = await server.post(
      '/api/callback',
      JSON.stringify({
        uid: '77',
        scene_id: 'default_scene',
        request_id: first.request_id,
        item_list: first.items.map((i) => ({ item_id: i.item_id, score: i.score })),
      }),
    );
    assert.equal(cb.status, 200);
    assert.equal(((await cb.json()) as { code: number }).code, 200);
    const second = (await (await server.post('/api/recommend', '{"uid":"77","size":10}')).json()) as RecommendBody;
    assert.equal(second.items.length, 10);
    const shown = new Set(first.items.map((i) => i.item_id));
    assert.deepEqual(
      second.items.filter((i) => shown.has(i.item_id)),
      [],
      'none of the exposed items comes back',
    );
    const bad = await server.post('/api/callback', '{"uid":"77","item_list":[{"score":1}]}');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as ErrorBody).field, 'item_list.0.item_id');
  });

  const badInputs: { name: string; body: string; status: number; code: string; field?: string }[] = [
    { name: 'malformed JSON', body: '{"uid":', status: 400, code: 'ERR_MALFORMED_JSON' },
    { name: 'numeric uid', body: '{"uid":123}', status: 400, code: 'ERR_INVALID_FIELD', field: 'uid' },
    { name: 'negative size', body: '{"uid":"1","size":-1}', status: 400, code: 'ERR_INVALID_FIELD', field: 'size' },
    { name: 'huge size', body: '{"uid":"1","size":1e9}', status: 400, code: 'ERR_INVALID_FIELD', field: 'size' },
    { name: '__proto__ key', body: '{"__proto__":{"x":1},"uid":"1"}', status: 400, code: 'ERR_FORBIDDEN_KEY', field: '__proto__' },
    { name: 'missing uid', body: '{"size":3}', status: 400, code: 'ERR_MISSING_FIELD', field: 'uid' },
    { name: 'unknown scene', body: '{"uid":"1","scene_id":"nope"}', status: 404, code: 'ERR_UNKNOWN_SCENE', field: 'scene_id' },
    { name: 'empty body', body: '', status: 400, code: 'ERR_MALFORMED_JSON' },
  ];
  for (const t of badInputs) {
    it(`answers ${t.name} with ${t.status} ${t.code}`, async () => {
      const res = await server.post('/api/recommend', t.body);
      assert.equal(res.status, t.status);
      const text = await res.text();
      const body = JSON.parse(text) as ErrorBody;
      assert.equal(body.code, t.status);
      assert.equal(body.error_code, t.code);
      if (t.field) assert.equal(body.field, t.field);
      assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');
    });
  }

  it('answers a 10 MB body with 413 ERR_BODY_TOO_LARGE', async () => {
    assert.equal(await postLarge(server.port, 10 * 1024 * 1024), 413);
  });

  it('answers a non-JSON content type with 415, an unknown route with 404', async () => {
    const res = await server.post('/api/recommend', 'uid=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as ErrorBody).error_code, 'ERR_UNSUPPORTED_MEDIA_TYPE');
    const nf = await fetch(`${server.url}/api/nothing`);
    assert.equal(nf.status, 404);
    assert.equal(((await nf.json()) as ErrorBody).error_code, 'ERR_NOT_FOUND');
  });

  it('keeps serving after every bad input', async () => {
    const res = await server.post('/api/recommend', '{"uid":"2","size":5}');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as RecommendBody).items.length, 5);
  });

  it('rebuilds only the changed algorithm when the file changes while requests flow, and serves the new one', async () => {
    const before = ((await (await server.post('/api/recommend', '{"uid":"3","size":5}')).json()) as RecommendBody).items;
    const from = server.lines.length;
    let stop = false;
    const statuses: number[] = [];
    const worker = async (): Promise<void> => {
      while (!stop) statuses.push((await server.post('/api/recommend', '{"uid":"3","size":5}')).status);
    };
    const workers = [worker(), worker(), worker(), worker()];
    await new Promise((r) => setTimeout(r, 100));
    const next = structuredClone(config);
    // similarity_lookup ranks first: scoring it by popularity instead changes every score.
    ((next.AlgoConfs as Record<string, unknown>[])[2] as Record<string, unknown>).LookupConf = { FieldName: 'popularity' };
    writeConfig(next);
    const applied = await server.waitFor((l) => l.msg === 'config applied' && server.lines.indexOf(l) >= from);
    const countAtSwap = statuses.length;
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(applied.built, ['similarity_lookup']);
    assert.deepEqual((applied.kept as string[]).sort(), ['item_ann', 'popularity_lookup']);
    assert.ok(countAtSwap > 0 && statuses.length > countAtSwap, 'requests flowed before and after the swap');
    assert.ok(
      statuses.every((s) => s === 200),
      `all requests answered 200 during the reload: ${statuses.join(',')}`,
    );
    const after = ((await (await server.post('/api/recommend', '{"uid":"3","size":5}')).json()) as RecommendBody).items;
    assert.notDeepEqual(
      after.map((i) => i.score),
      before.map((i) => i.score),
      'the rebuilt algorithm serves',
    );
    writeConfig(config);
    await server.waitFor((l) => l.msg === 'config reloaded' && server.since(from, (x) => x.msg === 'config reloaded').length >= 2);
  });

  it('keeps the old config serving when the file is broken, and says so', async () => {
    const sig = ((await (await fetch(`${server.url}/ready`)).json()) as { config: string }).config;
    const from = server.lines.length;
    writeConfig('{"AlgoConfs": [ {"Name": "x", "Type": "LOOKUP"');
    const rejected = (l: Record<string, unknown>): boolean => String(l.msg).startsWith('config reload rejected');
    await server.waitFor((l) => rejected(l) && server.lines.indexOf(l) >= from);
    writeConfig({ ...config, AlgoConfs: [{ Name: 'x', Type: 'NOPE' }] });
    await server.waitFor((l) => rejected(l) && server.since(from, rejected).length >= 2);
    const ready = (await (await fetch(`${server.url}/ready`)).json()) as { config: string };
    assert.equal(ready.config, sig, 'the running config is unchanged');
    const res = await server.post('/api/recommend', '{"uid":"1","size":10}');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as RecommendBody).items.length, 10);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /pairec_config_reloads_total\{result="invalid"\} [2-9]/);
    const fixed = server.lines.length;
    writeConfig(config);
    await server.waitFor((l) => l.msg === 'config reloaded' && server.lines.indexOf(l) >= fixed);
  });

  it('reloads on SIGHUP', async () => {
    const from = server.lines.length;
    server.proc.kill('SIGHUP'); // the file is unchanged: only the signal can trigger this reload
    const reloaded = await server.waitFor((l) => l.msg === 'config reloaded' && server.lines.indexOf(l) >= from);
    assert.equal(reloaded.trigger, 'SIGHUP');
    assert.deepEqual(reloaded.built, [], 'an unchanged config rebuilds nothing');
  });

  it('answers unreadable requests from the catalog too', async () => {
    const bad = await fetch(`${server.url}/api/%E0%A4%A`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as ErrorBody).error_code, 'ERR_BAD_REQUEST');
    const raw = await rawRequest(server.port, 'POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400/);
    assert.match(raw, /"error_code":"ERR_BAD_REQUEST"/);
    const garbage = await rawRequest(server.port, 'HELLO\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400/);
    assert.match(garbage, /"error_code":"ERR_BAD_REQUEST"/);
  });

  it('drains on SIGTERM: /ready turns 503 while requests in flight finish with 200, then exit code 0', async () => {
    const inflight = Array.from({ length: 40 }, () => server.post('/api/recommend', '{"uid":"4","size":10}').then((r) => r.status));
    const settled = Promise.allSettled(inflight);
    await Promise.race(inflight); // the server is busy with the rest
    const exit = server.stop('SIGTERM');
    await server.waitFor((l) => l.msg === 'draining');
    const ready = await fetch(`${server.url}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { status: string }).status, 'draining');
    const results = await settled;
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))),
      results.map(() => 200),
      'every request sent before SIGTERM is answered 200',
    );
    assert.equal(await exit, 0);
    assert.ok(server.lines.some((l) => l.msg === 'stopped'));
  });
});

describe('pairec serve with an invalid config', () => {
  it('names each problem with its JSON path on stderr and exits 1 without listening', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ AlgoConfs: [{ Name: 'x', Type: 'LOOKUP', LookupConf: { FieldName: 5 } }], BEConfs: { be: { Username: 'u' } } }));
    await assert.rejects(ServerProcess.start(bad), (err: Error) => {
      assert.match(err.message, /\(code 1\)/);
      assert.match(err.message, /ERR_CONFIG_NOT_SUPPORTED \$\.BEConfs/);
      return true;
    });
    writeFileSync(bad, JSON.stringify({ AlgoConfs: [{ Name: 'x', Type: 'LOOKUP', LookupConf: { FieldName: 5 } }] }));
    await assert.rejects(ServerProcess.start(bad), /ERR_CONFIG_INVALID \$\.AlgoConfs\[0\]\.LookupConf\.FieldName: must be string/);
  });
});
