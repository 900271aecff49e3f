import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { isMetadataAddress, isMetadataHost } from '../../src/net/metadata-address.js';
import { guardedConnector, ForbiddenAddressError } from '../../src/algorithm/remote/guarded-connect.js';
import { HttpBackend, BackendCallError, DEFAULT_HTTP_OPTIMIZATION } from '../../src/algorithm/remote/http.js';
import { Engine } from '../../src/engine/engine.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { ConfigError } from '../../src/errors.js';
import { BadBackend, send } from '../helpers/bad-backend.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
const problemsOf = (raw: unknown): { code: string; path: string | undefined; message: string }[] => {
  try {
    engine.parse(raw);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => ({ code: p.code, path: p.path, message: p.message }));
  }
};
const eas = (url: string): Record<string, unknown> => ({ AlgoConfs: [{ Name: 'm', Type: 'EAS', EasConf: { Processor: 'PMML', Url: url } }] });

describe('outbound calls refuse cloud metadata addresses', () => {
  const blocked = [
    '169.254.169.254',
    '169.254.170.2',
    '100.100.100.200',
    '2852039166',
    '0xa9fea9fe',
    '0251.0376.0251.0376',
    '0xA9.0xFE.0xA9.0xFE',
    '169.254.169.254.',
    '1684301000',
    '[::ffff:169.254.169.254]',
    '::ffff:a9fe:a9fe',
    'fd00:ec2::254',
    '[fe80::1]',
    'metadata.google.internal',
    'METADATA.GOOGLE.INTERNAL.',
  ];
  const allowed = ['127.0.0.1', '10.0.0.8', '100.100.100.201', '::1', 'localhost', 'example.com', 'metadata-store.internal', '2130706433'];
  for (const host of blocked) it(`refuses ${host}`, () => assert.equal(isMetadataHost(host), true));
  for (const host of allowed) it(`allows ${host}`, () => assert.equal(isMetadataHost(host), false));

  it('at config load: ERR_CONFIG_INVALID with the JSON path, for URLs, hosts and host:port, and no credentials echoed', () => {
    assert.deepEqual(
      problemsOf(eas('http://169.254.169.254/latest/meta-data/')).map((p) => `${p.code} ${p.path ?? ''}`),
      ['ERR_CONFIG_INVALID $.AlgoConfs[0].EasConf.Url'],
    );
    assert.deepEqual(
      problemsOf(eas('http://2852039166:80/x')).map((p) => p.path),
      ['$.AlgoConfs[0].EasConf.Url'],
    );
    const withSecret = problemsOf(eas('http://user:CANARY-9f3e@100.100.100.200/api'));
    assert.equal(withSecret[0]?.path, '$.AlgoConfs[0].EasConf.Url');
    assert.doesNotMatch(withSecret[0]?.message ?? '', /CANARY/);
    assert.deepEqual(
      problemsOf({ RedisConfs: { r: { Host: '100.100.100.200' } } }).map((p) => p.path),
      ['$.RedisConfs.r.Host'],
    );
    assert.deepEqual(
      problemsOf({
        RedisConfs: {
          r: {
            Cluster: [
              { Host: '127.0.0.1', Port: 7000 },
              { Host: '[fd00:ec2::254]', Port: 7001 },
            ],
          },
        },
      }).map((p) => p.path),
      ['$.RedisConfs.r.Cluster[1].Host'],
    );
    assert.deepEqual(
      problemsOf({ AlgoConfs: [{ Name: 'v', Type: 'FAISS', VectorConf: { ServerAddress: '169.254.169.254:50051' } }] }).map((p) => p.path),
      ['$.AlgoConfs[0].VectorConf.ServerAddress'],
    );
    assert.deepEqual(problemsOf(eas('http://127.0.0.1:8080/api')), []);
  });

  it('at connect time: a socket whose resolved address is refused is closed before a byte is sent', async () => {
    const backend = await BadBackend.start();
    after(() => backend.close());
    backend.script(send(200, '{}'));
    // 127.0.0.1 stands in for a metadata address: a name resolving to 169.254.169.254 cannot be served here.
    const pool = new Pool(backend.base, { connect: guardedConnector({}, (a) => a === '127.0.0.1') });
    await assert.rejects(
      pool.request({ path: '/', method: 'GET' }),
      (err: Error) => err instanceof ForbiddenAddressError && /a cloud metadata address/.test(err.message),
    );
    await pool.close();
    assert.equal(backend.calls.length, 0, 'the backend received nothing');
    assert.equal(isMetadataAddress('169.254.169.254'), true);
    assert.equal(isMetadataAddress('::ffff:169.254.169.254'), true);
    assert.equal(isMetadataAddress('127.0.0.1'), false);
    const open = new Pool(backend.base, { connect: guardedConnector() });
    assert.equal((await open.request({ path: '/', method: 'GET' })).statusCode, 200, 'loopback is allowed');
    await open.close();
  });

  it('follows no redirect: a 302 is a failed call, and its Location is never called', async () => {
    const target = await BadBackend.start();
    const redirecting = await BadBackend.start();
    after(async () => {
      await target.close();
      await redirecting.close();
    });
    target.script(send(200, '[]'));
    redirecting.script((_req, _body, res) => res.writeHead(302, { location: `${target.base}/steal` }).end());
    const http = new HttpBackend(`${redirecting.base}/api`, DEFAULT_HTTP_OPTIMIZATION);
    await assert.rejects(
      http.post('/api', { body: '{}', headers: {}, timeoutMs: 2000, signal: new AbortController().signal, maxReplyBytes: 1 << 20, gzip: false }),
      (err: unknown) => err instanceof BackendCallError && err.reason === 'status' && err.statusCode === 302,
    );
    await http.close();
    assert.equal(redirecting.calls.length, 1);
    assert.equal(target.calls.length, 0, 'the redirect target was never called');
  });
});
