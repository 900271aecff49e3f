import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../helpers/server-process.js';

/** An experiments document: one layer, one experiment taking every bucket. */
const layout = (experimentId: number, buckets = '0-99'): string =>
  JSON.stringify({
    Layers: [
      {
        LayerId: 1,
        ExperimentGroups: [
          {
            ExpGroupId: 1,
            Experiments: [
              { ExperimentId: experimentId, Buckets: buckets, Params: {} },
              ...(buckets === '0-99' ? [] : [{ ExperimentId: 99, Buckets: '0-99', Params: {} }]),
            ],
          },
        ],
      },
    ],
  });

describe('ABTestConf.Remote: experiments polled from a URL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-exp-remote-'));
  /** What the test server answers: a document (with an ETag), garbage, or an error. */
  let answer: { kind: 'doc'; body: string; etag: string } | { kind: 'garbage' } | { kind: 'fail' } = { kind: 'doc', body: layout(1), etag: '"v1"' };
  const source = createServer((req, res) => {
    if (answer.kind === 'fail') return res.writeHead(503).end();
    if (answer.kind === 'garbage') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"Layers": [tru');
    if (req.headers['if-none-match'] === answer.etag) return res.writeHead(304).end();
    res.writeHead(200, { 'content-type': 'application/json', etag: answer.etag }).end(answer.body);
  });
  let server: ServerProcess | undefined;
  after(async () => {
    if (server && server.proc.exitCode === null) await server.stop('SIGKILL');
    source.close();
  });

  it('serves a new set within the poll interval; down, garbage or an invalid set keep the last good one, counted', async () => {
    source.listen(0, '127.0.0.1');
    await once(source, 'listening');
    const url = `http://127.0.0.1:${(source.address() as AddressInfo).port}/experiments`;
    const configPath = join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0 },
        CatalogConf: { Source: 'demo', Demo: { Items: 500, Users: 50, Dim: 4, Clusters: 10, Categories: 4, Seed: 5 }, CacheDir: '' },
        AlgoConfs: [{ Name: 'popularity_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } }],
        RecallConfs: [{ Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 50 }],
        SceneConfs: { default_scene: { default: { RecallNames: ['hot_recall'] } } },
        RankConf: { default_scene: { RankAlgoList: ['popularity_lookup'] } },
        ABTestConf: { Remote: { Url: url, PollIntervalS: 0.2 } },
      }),
    );
    server = await ServerProcess.start(configPath, [], dir);
    await server.waitReady(30_000);
    const id = async (): Promise<string> => {
      const res = await server!.post('/api/recommend', '{"uid":"7","size":3}');
      assert.equal(res.status, 200);
      return ((await res.json()) as { experiment_id: string }).experiment_id;
    };
    const fetches = async (result: string): Promise<number> => {
      const text = await (await fetch(`${server!.url}/metrics`)).text();
      return Number(new RegExp(`pairec_experiment_fetches_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    };
    const until = async (what: string, pred: () => Promise<boolean>, ms = 5000): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await pred())) {
        if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // The first poll, at start.
    await until('the first set', async () => (await id()) === 'ER1_L1#EG1#E1');
    // Unchanged (304 on the ETag) polls change nothing.
    await until('an unchanged poll', async () => (await fetches('unchanged')) >= 1);
    // A new set: picked up within the 0.2 s interval (bounded generously for a loaded machine).
    answer = { kind: 'doc', body: layout(2), etag: '"v2"' };
    await until('the second set', async () => (await id()) === 'ER1_L1#EG1#E2');
    assert.ok((await fetches('updated')) >= 2);
    // Down, then garbage, then a set that fails validation (overlapping buckets): E2 keeps serving.
    for (const [bad, result] of [
      [{ kind: 'fail' }, 'error'],
      [{ kind: 'garbage' }, 'error'],
      [{ kind: 'doc', body: layout(3, '0-49'), etag: '"v3"' }, 'invalid'],
    ] as const) {
      const before = await fetches(result);
      answer = bad;
      await until(`a counted ${result}`, async () => (await fetches(result)) >= before + 1);
      assert.equal(await id(), 'ER1_L1#EG1#E2');
    }
    assert.ok(
      server
        .since(0, (l) => l.msg === 'config reload rejected; the running config keeps serving')
        .some((l) => JSON.stringify(l).includes('ExperimentGroups[0].Experiments[1].Buckets')),
    );
    // Back up with a good set.
    answer = { kind: 'doc', body: layout(4), etag: '"v4"' };
    await until('the fourth set', async () => (await id()) === 'ER1_L1#EG1#E4');
    assert.equal(await server.stop('SIGTERM'), 0);
  });
});
