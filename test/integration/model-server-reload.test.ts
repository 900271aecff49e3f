import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createRng } from '../../src/catalog/random.js';
import { startModelServerProcess } from '../helpers/model-server.js';
import { continuously, expectRefusedReloads, nextLine } from '../helpers/reload-refusals.js';
import { TINY_SPEC, tinyModel } from '../helpers/tiny-model.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-ms-reload-'));
const rng = createRng(5);
const rows = [0, 1, 2].map(() => Array.from({ length: 128 }, () => rng.next() - 0.5));

/** The scores onnxruntime-node gives for `rows` on a model file: the known answer. */
async function direct(file: string): Promise<number[]> {
  const session = await ort.InferenceSession.create(file);
  const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 128]) });
  await session.release();
  return Array.from(out.score?.data as Float32Array);
}

/** Replaces a file the way an operator should: write beside it, rename into place. */
function replace(file: string, write: (tmp: string) => void): void {
  const tmp = `${file}.tmp`;
  write(tmp);
  renameSync(tmp, file);
}

/** `loops` clients posting KServe v2 infer requests back to back until stopped; every answer kept. */
function inferContinuously(base: string, loops: number) {
  const body = JSON.stringify({ inputs: [{ name: 'features', shape: [rows.length, 128], datatype: 'FP32', data: rows.flat() }], outputs: [{ name: 'score' }] });
  return continuously(loops, async (loop) => {
    const res = await fetch(`${base}/v2/models/tiny/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = (await res.json()) as { outputs?: { data: number[] }[]; error?: string };
    if (res.status !== 200) throw new Error(`${res.status} ${json.error ?? ''}`);
    return { loop, scores: json.outputs?.[0]?.data ?? [] };
  });
}

const near = (got: readonly number[], want: readonly number[]): boolean =>
  got.length === want.length && got.every((s, i) => Math.abs(s - (want[i] ?? 0)) < 1e-6);

describe('pairec model-server reloads its model and feature spec on SIGHUP', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('swaps in the new model while a client infers without pause; a bad model or spec keeps the old one serving', async (t) => {
    const file = join(dir, 'tiny.onnx');
    const specFile = join(dir, 'spec.json');
    copyFileSync(tinyModel(7), file);
    writeFileSync(specFile, JSON.stringify(TINY_SPEC));
    const [wantA, wantB] = [await direct(tinyModel(7)), await direct(tinyModel(8))];
    assert.ok(!near(wantA, wantB), 'the two models score differently');
    const server = await startModelServerProcess(['--features', specFile], file);
    t.after(() => server.proc.stop('SIGKILL'));

    const load = inferContinuously(server.base, 4);
    try {
      await load.until(100);
      replace(file, (tmp) => copyFileSync(tinyModel(8), tmp));
      const reloaded = nextLine(server.proc, 'model reloaded');
      server.proc.proc.kill('SIGHUP');
      const line = await reloaded;
      assert.equal(line.width, 128);
      assert.equal(typeof line.ms, 'number');
      const atReload = load.answers.length;
      await load.until(atReload + 200);

      const refusals: [string, () => void, RegExp][] = [
        // The spec is read again too: one that assembles 96 values cannot feed a 128-wide model.
        [
          'a spec of another width',
          () => replace(specFile, (tmp) => writeFileSync(tmp, JSON.stringify({ ...TINY_SPEC, Item: [{ Name: 'embedding', Dim: 32 }] }))),
          /fill 96 values per row but input "features" takes 128/,
        ],
        ['a spec that is not JSON', () => replace(specFile, (tmp) => writeFileSync(tmp, '{"User": [')), /spec\.json/],
        [
          'a garbage model',
          () => {
            replace(specFile, (tmp) => writeFileSync(tmp, JSON.stringify(TINY_SPEC)));
            replace(file, (tmp) => writeFileSync(tmp, Buffer.alloc(4096, 0x5a)));
          },
          /not a loadable ONNX model/,
        ],
        ['a missing model', () => rmSync(file), /not a loadable ONNX model/],
      ];
      await expectRefusedReloads(server.proc, load, 'model reload failed; the served model keeps serving', refusals, 50);
      await load.stop();

      assert.deepEqual(load.errors, [], 'every request answered 200');
      assert.equal(server.proc.proc.exitCode, null, 'the process is up');
      assert.equal(server.proc.proc.signalCode, null);
      for (let loop = 0; loop < 4; loop++) {
        let seenB = false;
        for (const ans of load.answers.filter((x) => x.loop === loop)) {
          const isB = near(ans.scores, wantB);
          assert.ok(isB || near(ans.scores, wantA), `scores ${ans.scores.join(',')} are neither model's`);
          if (isB) seenB = true;
          else assert.ok(!seenB, 'an old model answered after the new one');
        }
        assert.ok(seenB, `client ${loop} saw the new model`);
      }
      const afterReload = load.answers.slice(atReload + 8);
      assert.ok(
        afterReload.every((x) => near(x.scores, wantB)),
        'after the reload, and after each refused one, the new model answers',
      );
      t.diagnostic(`${load.answers.length} requests, 0 failed; model reload took ${String(line.ms)} ms`);
    } finally {
      await load.stop();
    }
  });
});
