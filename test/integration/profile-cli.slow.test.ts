import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MAIN } from '../helpers/process.js';
import type { ProfileReport } from '../../src/profiler/algorithm-profile.js';
import { parseAlgorithmInput } from '../../src/profiler/input.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = (name: string): string => join(ROOT, 'test/fixtures/profile', name);

async function profile(algorithm: string, input: string, extra: string[] = []): Promise<{ report: ProfileReport; out: string }> {
  const out = mkdtempSync(join(tmpdir(), 'pairec-profile-'));
  const args = [
    MAIN,
    'profile',
    '--config',
    fixture('config.json'),
    '--algorithm',
    algorithm,
    '--input',
    fixture(input),
    '--iterations',
    '30',
    '--warmup',
    '3',
    '--out',
    out,
    '--json',
    ...extra,
  ];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 120_000 });
  return { report: JSON.parse(stdout) as ProfileReport, out };
}

/** Each file parses in its own format: what DevTools, speedscope and Perfetto expect. */
function checkFiles(report: ProfileReport, algorithm: string): void {
  const cpu = JSON.parse(readFileSync(report.files.cpuProfile, 'utf8')) as Record<string, unknown>;
  assert.ok(report.files.cpuProfile.endsWith(`${algorithm}.cpuprofile`));
  assert.ok(Array.isArray(cpu['nodes']) && cpu['nodes'].length > 0, 'cpuprofile has nodes');
  assert.equal(typeof cpu['startTime'], 'number');
  assert.equal(typeof cpu['endTime'], 'number');
  assert.ok((cpu['endTime'] as number) > (cpu['startTime'] as number));
  assert.ok(Array.isArray(cpu['samples']) && Array.isArray(cpu['timeDeltas']));
  assert.equal((cpu['samples'] as unknown[]).length, (cpu['timeDeltas'] as unknown[]).length);
  const root = (cpu['nodes'] as { callFrame?: { functionName?: string } }[])[0];
  assert.equal(root?.callFrame?.functionName, '(root)');

  const heap = JSON.parse(readFileSync(report.files.heapProfile, 'utf8')) as {
    head?: { callFrame?: unknown; children?: unknown[] };
    samples?: { size: number }[];
  };
  assert.ok(report.files.heapProfile.endsWith(`${algorithm}.heapprofile`));
  assert.ok(heap.head?.callFrame && Array.isArray(heap.head.children), 'heapprofile has a head node');
  assert.ok(Array.isArray(heap.samples) && heap.samples.length > 0, 'heapprofile has samples');

  const trace = JSON.parse(readFileSync(report.files.trace, 'utf8')) as {
    traceEvents?: { name: string; cat: string; ph: string; ts: number; dur?: number; pid: number; tid: number }[];
  };
  assert.ok(report.files.trace.endsWith(`${algorithm}.trace.json`));
  const events = trace.traceEvents ?? [];
  const runs = events.filter((e) => e.ph === 'X' && e.name === algorithm && e.cat === 'timed');
  assert.equal(runs.length, 30, 'one complete event per timed run');
  for (const pass of ['warmup', 'cpu-profile', 'heap-profile']) {
    assert.equal(events.filter((e) => e.name === algorithm && e.cat === pass).length, pass === 'warmup' ? 3 : 30, pass);
  }
  for (const e of events) {
    assert.ok(typeof e.ts === 'number' && Number.isFinite(e.ts) && typeof e.pid === 'number' && typeof e.tid === 'number');
    if (e.ph === 'X') assert.ok(typeof e.dur === 'number' && e.dur >= 0);
  }
  for (let i = 1; i < runs.length; i++) assert.ok((runs[i]?.ts ?? 0) >= (runs[i - 1]?.ts ?? 0), 'runs in time order');
  assert.ok(events.some((e) => e.name === 'warmup') && events.some((e) => e.name === 'timed'));
}

function checkTiming(report: ProfileReport): void {
  for (const s of [report.timing, report.cpuProfiled]) {
    assert.equal(s.runs, 30);
    assert.ok(s.meanMs > 0 && s.p50Ms > 0 && s.p99Ms >= s.p50Ms && s.runsPerSecond > 0);
  }
}

test('pairec profile on a LOOKUP algorithm writes a cpuprofile, a heap profile and a trace', async () => {
  const { report } = await profile('popularity_lookup', 'lookup-input.json');
  assert.equal(report.type, 'LOOKUP');
  checkTiming(report);
  checkFiles(report, 'popularity_lookup');
});

test('pairec profile on the embedded ONNX model writes the three files', async () => {
  const { report } = await profile('demo_mlp', 'onnx-input.json');
  assert.equal(report.type, 'ONNX');
  checkTiming(report);
  checkFiles(report, 'demo_mlp');
});

test('pairec profile prints the time per run in text form', async () => {
  const out = mkdtempSync(join(tmpdir(), 'pairec-profile-'));
  const args = [
    MAIN,
    'profile',
    '-c',
    fixture('config.json'),
    '-a',
    'popularity_lookup',
    '-i',
    fixture('lookup-input.json'),
    '-n',
    '5',
    '--warmup',
    '0',
    '-o',
    out,
  ];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 120_000 });
  assert.match(stdout, /time per run: mean [\d.]+ ms {2}p50 [\d.]+ ms {2}p99 [\d.]+ ms {2}[\d.]+ runs\/s {2}\(5 runs\)/);
  assert.match(stdout, /cpu profile: .*popularity_lookup\.cpuprofile/);
});

test('pairec profile names a missing algorithm and a bad input', async () => {
  await assert.rejects(profile('nope', 'lookup-input.json'), (err: Error & { stderr?: string }) => {
    assert.match(err.stderr ?? '', /no algorithm "nope" in AlgoConfs; configured: popularity_lookup, demo_mlp/);
    return true;
  });
  assert.throws(() => parseAlgorithmInput('score', { items: [] }), /input\.items must be a non-empty array/);
  assert.throws(() => parseAlgorithmInput('score', { items: [{ a: { b: 1 } }] }), /input\.items\[0\]\.a must be/);
  assert.throws(() => parseAlgorithmInput('retrieval', { vectors: [[1, 'x']], k: 3 }), /input\.vectors\[0\] must be an array of numbers/);
  const parsed = parseAlgorithmInput('score', { items: [{ embedding: [1, 2], p: 0.5 }], user: { embedding: [3] } });
  assert.ok(parsed.items[0]?.['embedding'] instanceof Float32Array);
  assert.ok(parsed.user?.['embedding'] instanceof Float32Array);
});
