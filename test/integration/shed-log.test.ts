import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerProcess } from '../helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-shed-log-'));

/** examples/default.json on a small catalog, its model allowed one run and no queue: concurrent requests are shed. */
function configFile(): string {
  const example = fileURLToPath(new URL('../../../examples/default.json', import.meta.url));
  const config = JSON.parse(readFileSync(example, 'utf8')) as {
    ListenConf: Record<string, unknown>;
    CatalogConf: { Demo: Record<string, number>; CacheDir: string };
    AlgoConfs: { Name: string; OnnxConf?: Record<string, unknown> }[];
  };
  config.CatalogConf.Demo = { ...config.CatalogConf.Demo, Items: 2000, Users: 200, Clusters: 40 };
  config.CatalogConf.CacheDir = join(dir, 'cache');
  const onnx = config.AlgoConfs.find((a) => a.OnnxConf)?.OnnxConf;
  assert.ok(onnx);
  Object.assign(onnx, { MaxConcurrent: 1, MaxQueue: 0 });
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('load shedding is logged as a warning, without a stack', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a request shed with ERR_QUEUE_FULL is one warn line with its code; no error line, no stack', async (t) => {
    const server = await ServerProcess.start(configFile());
    t.after(() => server.stop('SIGKILL'));
    await server.waitReady();
    const warned = server.lines.find((l) => typeof l.msg === 'string' && l.msg.includes('OnnxConf.MaxQueue 0 is below'));
    assert.equal(warned?.level, 40, 'the too-small MaxQueue is warned about at build');
    const from = server.lines.length;
    const statuses = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const res = await server.post('/api/recommend', JSON.stringify({ uid: String(i % 200), size: 10, scene_id: 'default_scene' }));
        const body = (await res.json()) as { error_code?: string };
        return `${res.status} ${body.error_code ?? ''}`.trim();
      }),
    );
    const shed = statuses.filter((s) => s === '503 ERR_QUEUE_FULL').length;
    assert.ok(shed > 0, `some requests are shed: ${statuses.join(', ')}`);
    // The request log line comes after the reply: give the last ones a moment.
    await new Promise((r) => setTimeout(r, 300));
    const failures = server.since(from, (l) => l.msg === 'recommend failed');
    assert.equal(failures.length, shed, 'one line per shed request');
    for (const line of failures) {
      assert.equal(line.level, 40, 'warn');
      assert.equal(line.error_code, 'ERR_QUEUE_FULL');
      assert.match(String(line.reason), /worker pool queue full/);
      assert.equal(line.err, undefined, 'no error object');
      assert.doesNotMatch(JSON.stringify(line), /\bstack\b|\\n\s+at /, 'no stack');
    }
    assert.deepEqual(
      server.since(from, (l) => Number(l.level) >= 50),
      [],
      'nothing at error level',
    );
    t.diagnostic(`60 concurrent requests: ${shed} shed with ERR_QUEUE_FULL, each one warn line`);
  });
});
