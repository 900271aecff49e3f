import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../src/catalog/random.js';
import { createVectorRetrievalClient } from '../../src/wire/vector-retrieval.js';
import { startVectorServerProcess } from '../helpers/process.js';
import { nextLine } from '../helpers/reload-refusals.js';

const DIM = 16;
const K = 10;
const REFRESH_SECONDS = 1;
const RATE = 50;
const dir = mkdtempSync(join(tmpdir(), 'pairec-vs-refresh-'));

/** An `.svm` file of `rows` random vectors whose labels (item ids) are `prefix-<row>`. */
function svm(prefix: string, rows: number, seed: number): string {
  const rng = createRng(seed);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const entries = Array.from({ length: DIM }, (_, d) => `${d + 1}:${(Math.round((rng.next() * 2 - 1) * 1e4) / 1e4).toString()}`);
    lines.push(`${prefix}-${r} ${entries.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** How exports land: written beside the served file, renamed over it. */
function replace(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

interface Answer {
  readonly at: number;
  readonly labels: readonly string[];
}

/**
 * Searches at `RATE` per second on one gRPC channel (two paced lanes) until stopped.
 * Replies on one HTTP/2 connection arrive in the order the server wrote them, and the
 * server answers each search synchronously, so `answers` is in the server's order.
 */
function pacedSearches(port: number) {
  const client = createVectorRetrievalClient(`127.0.0.1:${port}`, {});
  const never = new AbortController().signal;
  const rng = createRng(99);
  const answers: Answer[] = [];
  const errors: string[] = [];
  let running = true;
  const lanes = 2;
  const interval = (1000 * lanes) / RATE;
  const lane = async (id: number): Promise<void> => {
    let next = Date.now() + (id * interval) / lanes;
    while (running) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next = Math.max(next + interval, Date.now());
      const vector = Array.from({ length: DIM }, () => rng.next() * 2 - 1);
      try {
        const reply = await client.search({ k: K, vector }, new Date(Date.now() + 10_000), never);
        answers.push({ at: Date.now(), labels: reply.labels });
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, (_, id) => lane(id)));
  const started = Date.now();
  return {
    answers,
    errors,
    /** Resolves once `pred` holds (checked every 20 ms), or rejects after `ms`. */
    async until(pred: () => boolean, ms: number, what: string): Promise<void> {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms (${answers.length} answers, ${errors.length} errors)`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    rate: (): number => answers.length / ((Date.now() - started) / 1000),
    stop: async (): Promise<void> => {
      running = false;
      await done;
      client.close();
    },
  };
}

const from = (prefix: string) => (a: Answer) => a.labels.length === K && a.labels.every((l) => l.startsWith(`${prefix}-`));

describe('pairec vector-server reloads its --data file when it is replaced (--refresh-seconds)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the new file’s ids only, without a failed search, and keeps serving them when the next file is corrupt', async (t) => {
    const file = join(dir, 'items.svm');
    writeFileSync(file, svm('a', 2000, 1));
    const t0 = Date.now();
    const server = await startVectorServerProcess([
      '--data',
      file,
      '--index',
      'hnsw',
      '--no-cache',
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--refresh-seconds',
      String(REFRESH_SECONDS),
    ]);
    t.after(() => server.proc.stop('SIGKILL'));
    const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${server.metricsPort ?? 0}/metrics`)).text();
    const startMs = Date.now() - t0;
    const load = pacedSearches(server.port);
    try {
      await load.until(() => load.answers.length >= 25, 20_000, 'answers from A');
      assert.ok(load.answers.every(from('a')), 'before the export: A’s ids');

      // The new export lands: B, other ids, by write-then-rename. No SIGHUP.
      const reloaded = nextLine(server.proc, 'vectors reloaded');
      const replacedAt = Date.now();
      replace(file, svm('b', 3000, 2));
      const line = await reloaded;
      assert.equal(line.trigger, 'change');
      assert.equal(line.size, 3000);
      await load.until(() => load.answers.some(from('b')), 10_000, 'an answer from B');
      const firstB = load.answers.findIndex(from('b'));
      const tookMs = (load.answers[firstB]?.at ?? 0) - replacedAt;
      // A change is acted on at the second poll that sees it (one to two intervals), then built;
      // the slack is for a loaded 2-core machine.
      const bound = 2 * REFRESH_SECONDS * 1000 + Number(line.ms) + 3000;
      assert.ok(tookMs <= bound, `B served ${tookMs} ms after the rename (bound ${bound} ms)`);
      const settled = load.answers.length;
      await load.until(() => load.answers.length >= settled + 30, 20_000, 'answers after the swap');

      // A half-written export (cut inside a row) replaces B: refused, B keeps serving.
      const failed = nextLine(server.proc, 'vector reload failed; the served index keeps serving');
      const b = svm('b', 3000, 2);
      replace(file, b.slice(0, b.indexOf(':', Math.floor(b.length / 2)) + 1));
      const failure = await failed;
      assert.equal(failure.trigger, 'change');
      assert.equal(failure.level, 50, 'logged at error');
      assert.match((failure.err as { message?: string } | undefined)?.message ?? '', /is not index:value/);
      // Two more polls: the broken file is not tried again while it stays the same.
      const atFailure = load.answers.length;
      await new Promise((r) => setTimeout(r, 2 * REFRESH_SECONDS * 1000 + 200));
      await load.until(() => load.answers.length >= atFailure + 30, 20_000, 'answers after the refused file');
      await load.stop();

      assert.deepEqual(load.errors, [], 'every search answered');
      assert.ok(
        load.answers.every((a) => from('a')(a) || from('b')(a)),
        'each answer from one data set, never a mixture',
      );
      const afterSwap = load.answers.slice(firstB);
      assert.ok(afterSwap.every(from('b')), `an id only A has after the first answer from B (${afterSwap.filter((a) => !from('b')(a)).length} such answers)`);
      const text = await metrics();
      assert.match(text, /\npairec_vector_server_reloads_total\{result="success"\} 1\n/);
      assert.match(text, /\npairec_vector_server_reloads_total\{result="failed"\} 1\n/);
      assert.match(text, /\npairec_vector_server_index_size 3000\n/);
      assert.match(text, /\npairec_vector_server_data_version 2\n/);
      assert.match(text, /\npairec_vector_server_last_reload_successful 0\n/);
      const swappedAt = Number(/\npairec_vector_server_last_reload_success_timestamp_seconds (\S+)\n/.exec(text)?.[1]);
      assert.ok(Math.abs(swappedAt * 1000 - replacedAt) < bound, 'the last successful reload is B’s');
      assert.equal(
        server.proc.lines.filter((l) => l.msg === 'vector reload failed; the served index keeps serving').length,
        1,
        'one failure, not one per poll',
      );
      assert.equal(server.proc.proc.exitCode, null);
      t.diagnostic(
        `start ${startMs} ms; ${load.answers.length} searches at ${load.rate().toFixed(1)}/s, 0 failed; B served ${tookMs} ms after the rename ` +
          `(refresh ${REFRESH_SECONDS} s, build ${String(line.ms)} ms); ${afterSwap.length} answers after the first from B, all B’s`,
      );
    } finally {
      await load.stop();
    }
  });
});
