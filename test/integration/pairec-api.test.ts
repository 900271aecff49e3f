import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ServerProcess } from '../helpers/server-process.js';
import { fastConfig, writeConfig } from '../helpers/fast-config.js';
import { curlBytes, rawRequest } from '../helpers/curl-bytes.js';
import type { HttpAnswer } from '../helpers/curl-bytes.js';
import { PAIREC_DURATION_BUCKETS, PAIREC_SIZE_BUCKETS } from '../../src/observability/pairec-metrics.js';

/**
 * ListenConf.ApiMode "pairec" against a real `pairec serve` (two serving processes behind
 * the primary): PaiRec's documented curl examples sent byte for byte as curl sends them
 * (form content type), PaiRec's answers, and PaiRec's metric names on /metrics.
 */

interface PairecItem {
  item_id: string;
  item_type: string;
  retrieve_id: string;
  score: number;
}
interface PairecAnswer {
  code: number;
  msg: string;
  request_id: string;
  size?: number;
  items?: PairecItem[];
  error_code?: string;
  field?: string;
}

// The examples of PaiRec's documentation ("quickly create projects" and "callback API"), verbatim.
const DOC_RECOMMEND = '{"uid":"76295990", "size":10, "scene_id":"home_feed"}';
const DOC_CALLBACK =
  '{"uid":"84603208","request_id":"d9cb1c8d-4d3f-491b-9ea3-380481dabde3","scene_id":"homepage","features":{"age":25, "city":"beijing"},"item_list":[{"item_id":"113939841"},{"item_id":"113764910"}],"request_info":{"recom_id":"1111111"}}';

const RECALL_COUNT = 50;

function json(answer: HttpAnswer): PairecAnswer {
  assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
  return JSON.parse(answer.body) as PairecAnswer;
}

/** Value of the series of `name` whose labels include every pair of `labels`. */
function series(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const set = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** The `le` bounds of the first series of histogram `name`. */
function buckets(text: string, name: string): number[] {
  const bounds: number[] = [];
  let first: string | undefined;
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{(.*)\\} `, 'gm'))) {
    const labels = (m[1] ?? '').split(',');
    const le = labels.find((l) => l.startsWith('le='))?.slice(4, -1);
    const rest = labels.filter((l) => !l.startsWith('le=')).join(',');
    first ??= rest;
    if (rest !== first || le === undefined || le === '+Inf') continue;
    bounds.push(Number(le));
  }
  return bounds;
}

describe('ListenConf.ApiMode "pairec" (real process, curl bytes)', () => {
  let server: ServerProcess | undefined;
  let configPath = '';
  const post = async (path: string, body: string): Promise<HttpAnswer> => rawRequest(server?.port ?? 0, curlBytes(server?.port ?? 0, path, body));

  before(async () => {
    configPath = writeConfig(
      fastConfig({
        ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0, ApiMode: 'pairec', BodyLimit: 2048 },
        RecallConfs: [{ Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: RECALL_COUNT }],
        SceneConfs: { home_feed: { default: { RecallNames: ['hot_recall'] } } },
        RankConf: { home_feed: { RankAlgoList: ['popularity_lookup'] } },
        FilterNames: { home_feed: ['User2ItemExposureFilter'] },
      }),
    );
    server = await ServerProcess.start(configPath);
    await server.waitReady();
  });
  after(async () => {
    if (server && server.proc.exitCode === null) await server.stop('SIGKILL');
    rmSync(dirname(configPath), { recursive: true, force: true });
  });

  it("answers the documented recommend curl (form content type) on PaiRec's generated route and on /api/recommend", async () => {
    for (const path of ['/api/rec/feed', '/api/recommend']) {
      const res = await post(path, DOC_RECOMMEND);
      assert.equal(res.status, 200, res.body);
      const body = json(res);
      assert.equal(body.code, 200, res.body);
      assert.equal(body.msg, 'success');
      assert.equal(body.size, 10);
      assert.equal(body.items?.length, 10);
      assert.match(body.request_id, /^[0-9a-f-]{36}$/);
      for (const item of body.items ?? []) {
        assert.equal(typeof item.item_id, 'string');
        assert.equal(item.item_type, '');
        assert.equal(item.retrieve_id, 'hot_recall');
        assert.ok(Number.isFinite(item.score));
      }
    }
  });

  it('answers the documented callback curl with code 200 and its request_id', async () => {
    const res = await post('/api/callback', DOC_CALLBACK);
    assert.equal(res.status, 200, res.body);
    const body = json(res);
    assert.equal(body.code, 200, res.body);
    assert.equal(body.msg, 'success');
    assert.equal(body.request_id, 'd9cb1c8d-4d3f-491b-9ea3-380481dabde3');
  });

  it('records the items of a PaiRec callback (numeric item_id, features, request_info) as shown: the next page leaves them out', async () => {
    const first = json(await post('/api/recommend', '{"uid":"u-shown","size":10,"scene_id":"home_feed"}'));
    const shown = (first.items ?? []).map((i) => i.item_id);
    assert.equal(shown.length, 10);
    const callback = JSON.stringify({
      uid: 'u-shown',
      request_id: first.request_id,
      scene_id: 'home_feed',
      features: { age: 25, tags: ['a', 'b'] },
      item_list: shown.map((id) => ({ item_id: Number(id), position: 1 })),
      request_info: { recom_id: '1' },
    });
    assert.equal(json(await post('/api/callback', callback)).code, 200);
    const next = json(await post('/api/recommend', '{"uid":"u-shown","size":10,"scene_id":"home_feed"}'));
    assert.equal(next.code, 200);
    assert.deepEqual(
      (next.items ?? []).filter((i) => shown.includes(i.item_id)),
      [],
    );
  });

  it('answers as PaiRec: size <= 0 is 10, unknown fields ignored, keys matched case-insensitively, 299 when short, an unknown scene empty', async () => {
    const zero = json(
      await post(
        '/api/recommend',
        '{"uid":"u1","size":0,"scene_id":"home_feed","item_id":"248791390","item_list":[{"item_id":"1111","score":1}],"complex_type_features":[{"name":"age","type":"int","values":20}],"whatever":{"x":[1]}}',
      ),
    );
    assert.equal(zero.code, 200, JSON.stringify(zero));
    assert.equal(zero.items?.length, 10);
    const upper = json(await post('/api/recommend', '{"UID":"u1","Size":3,"Scene_Id":"home_feed"}'));
    assert.equal(upper.code, 200, JSON.stringify(upper));
    assert.equal(upper.items?.length, 3);
    const short = json(await post('/api/recommend', `{"uid":"u2","size":${RECALL_COUNT + 20},"scene_id":"home_feed"}`));
    assert.equal(short.code, 299);
    assert.equal(short.msg, 'items size not enough');
    assert.equal(short.size, RECALL_COUNT);
    assert.equal(short.items?.length, RECALL_COUNT);
    const unknown = json(await post('/api/recommend', '{"uid":"u3","size":5,"scene_id":"no_such_scene"}'));
    assert.deepEqual([unknown.code, unknown.msg, unknown.size, unknown.items], [299, 'items size not enough', 0, []]);
  });

  it('answers bad input HTTP 200 with code 400 and a stable error code; limits keep their status', async () => {
    const cases: [string, string, string][] = [
      ['{"size":10}', 'ERR_MISSING_FIELD', 'uid'],
      ['{"uid":""}', 'ERR_MISSING_FIELD', 'uid'],
      ['{"uid":76295990}', 'ERR_INVALID_FIELD', 'uid'],
      ['{"uid":"u","size":"10"}', 'ERR_INVALID_FIELD', 'size'],
      ['{"uid":"u","size":10.5}', 'ERR_INVALID_FIELD', 'size'],
      ['{"uid":"u","features":[1]}', 'ERR_INVALID_FIELD', 'features'],
      ['uid=76295990&size=10', 'ERR_MALFORMED_JSON', ''],
      ['{"uid":"u","__proto__":{"x":1}}', 'ERR_FORBIDDEN_KEY', '__proto__'],
    ];
    for (const [body, code, field] of cases) {
      const res = await post('/api/recommend', body);
      assert.equal(res.status, 200, `${body}: ${res.body}`);
      const answer = json(res);
      assert.equal(answer.code, 400, body);
      assert.equal(answer.error_code, code, body);
      if (field) assert.equal(answer.field, field, body);
      assert.match(answer.request_id, /^[0-9a-f-]{36}$/);
      assert.doesNotMatch(res.body, /\bat .*\.js:\d+/, 'no stack in an answer');
    }
    const callback = json(await post('/api/callback', '{"uid":"u","scene_id":"s","item_list":[{"item_id":"1"}]}'));
    assert.deepEqual([callback.code, callback.error_code, callback.field], [400, 'ERR_MISSING_FIELD', 'request_id']);
    const large = await post('/api/recommend', `{"uid":"u","pad":"${'x'.repeat(3000)}"}`);
    assert.equal(large.status, 413);
    assert.equal(json(large).error_code, 'ERR_BODY_TOO_LARGE');
  });

  it('answers /ping with success', async () => {
    const res = await rawRequest(server?.port ?? 0, curlBytes(server?.port ?? 0, '/ping'));
    assert.equal(res.status, 200);
    assert.equal(res.body, 'success');
  });

  it("shows PaiRec's metric names, labels and buckets on /metrics beside the engine's", async () => {
    const port = server?.port ?? 0;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const host = `127.0.0.1:${port}`;
    const feed = series(text, 'pairec_requests_total', { code: '200', method: 'POST', host, url: '/api/rec/feed' });
    assert.ok(feed !== undefined && feed >= 1, 'pairec_requests_total of /api/rec/feed');
    assert.ok((series(text, 'pairec_requests_total', { code: '413', url: '/api/recommend' }) ?? 0) >= 1);
    assert.ok((series(text, 'pairec_requests_total', { code: '200', method: 'GET', url: '/ping' }) ?? 0) >= 1);
    // Recommend answers with a result: the doc example twice, the callback's two, four PaiRec-rule cases.
    assert.ok((series(text, 'pairec_rec_total', { scene: 'home_feed', exp_id: '' }) ?? 0) >= 7);
    assert.ok((series(text, 'pairec_size_not_enough_total', { scene: 'home_feed', exp_id: '' }) ?? 0) >= 1);
    const recalled = series(text, 'pairec_recall_count', { scene: 'home_feed', recall_name: 'hot_recall' }) ?? 0;
    assert.ok(recalled >= 7 * RECALL_COUNT, `pairec_recall_count ${recalled}`);
    assert.equal(series(text, 'pairec_recall_count_total', { scene: 'home_feed' }), recalled);
    assert.match(text, /^# TYPE pairec_recall_count untyped$/m);
    assert.deepEqual(buckets(text, 'pairec_request_size_bytes'), PAIREC_SIZE_BUCKETS);
    assert.deepEqual(buckets(text, 'pairec_response_size_bytes'), PAIREC_SIZE_BUCKETS);
    assert.deepEqual(PAIREC_SIZE_BUCKETS, [1024, 2048, 5120, 10240, 102400, 512000, 1048576, 2621440, 5242880, 10485760]);
    for (const name of ['rec', 'recall', 'filter', 'rank', 'sort']) {
      assert.deepEqual(buckets(text, `pairec_${name}_duration_seconds`), PAIREC_DURATION_BUCKETS, name);
      assert.ok((series(text, `pairec_${name}_duration_seconds_count`, { scene: 'home_feed', exp_id: '' }) ?? 0) >= 7, name);
    }
    assert.equal(PAIREC_DURATION_BUCKETS.length, 24);
    // The engine's own names stay.
    assert.ok((series(text, 'pairec_request_duration_seconds_count', { route: '/api/recommend', scene: 'home_feed', code: '2xx' }) ?? 0) >= 1);
    assert.ok((series(text, 'pairec_stage_duration_seconds_count', { scene: 'home_feed', stage: 'recall' }) ?? 0) >= 1);
  });
});
