/**
 * What checking the cache costs at start-up at RW-1M sizes: 1,000,000 × 64 float32 item
 * embeddings (256 MB) and 10,000 users (2.6 MB), held in memory once read, and an HNSW
 * index file of RW-1M's size (M 16: 396 bytes a row ≈ 400 MB) that hnswlib reads by
 * path, so its check is one more pass over the file. Also the candidates that were not
 * chosen (SHA-256, SHA-1, MD5) and the non-finite scan. Page cache warm: what a restart
 * on the same machine pays; a cold disk adds its read time to both the check and the load.
 *
 *   node dist/bench/cache-checksum.js [--rows 1000000] [--dim 64] [--rounds 5] [--dir /tmp]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32Of, crc32OfFile } from '../src/cache/checksum.js';
import { firstNonFinite } from '../src/vector/finite.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    dim: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const rows = Number(values.rows);
const dim = Number(values.dim);
const rounds = Number(values.rounds);
const M = 16;
const indexBytes = rows * (2 * M * 4 + 4 + dim * 4 + 8) + Math.ceil(rows / M) * (M * 4 + 4);

async function time(run: () => Promise<unknown> | unknown): Promise<number> {
  const xs: number[] = [];
  await run(); // warm: page cache, code
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await run();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

/** The alternative not kept: a float32 is non-finite when its exponent bits are all ones. */
function exponentScan(values: Float32Array): number {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) if (((bits[i] as number) & 0x7f800000) === 0x7f800000) return i;
  return -1;
}

async function drain(file: string): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) void chunk;
}

const dir = await mkdtemp(join(values.dir, 'cache-checksum-'));
try {
  const items = new Float32Array(rows * dim);
  for (let i = 0; i < items.length; i++) items[i] = Math.sin(i); // finite, varied
  const itemBytes = new Uint8Array(items.buffer);
  const itemsFile = join(dir, 'items.f32');
  const indexFile = join(dir, 'index.bin');
  await writeFile(itemsFile, itemBytes);
  const index = Buffer.allocUnsafe(indexBytes);
  randomFillSync(index);
  await writeFile(indexFile, index);
  const mb = (b: number): string => (b / 2 ** 20).toFixed(0);
  const rate = (b: number, ms: number): string => `${(b / 2 ** 30 / (ms / 1000)).toFixed(2)} GiB/s`;
  const report = (what: string, bytes: number, ms: number): void => console.log(`${what.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms  ${rate(bytes, ms)}`);

  console.log(`rows ${rows}, dim ${dim}: embeddings ${mb(itemBytes.byteLength)} MiB, index file ${mb(indexBytes)} MiB; median of ${rounds}`);
  report('embeddings: readFile (the load itself)', itemBytes.byteLength, await time(() => readFile(itemsFile)));
  report('embeddings: CRC-32 of the buffer read (zlib.crc32)', itemBytes.byteLength, await time(() => crc32Of(itemBytes)));
  report('embeddings: SHA-256 of the buffer', itemBytes.byteLength, await time(() => createHash('sha256').update(itemBytes).digest()));
  report('embeddings: SHA-1 of the buffer', itemBytes.byteLength, await time(() => createHash('sha1').update(itemBytes).digest()));
  report('embeddings: MD5 of the buffer', itemBytes.byteLength, await time(() => createHash('md5').update(itemBytes).digest()));
  report('embeddings: non-finite scan (firstNonFinite)', itemBytes.byteLength, await time(() => firstNonFinite(items)));
  report('embeddings: non-finite scan (exponent bits, Uint32 view)', itemBytes.byteLength, await time(() => exponentScan(items)));
  report('index file: streamed read alone', indexBytes, await time(() => drain(indexFile)));
  report('index file: streamed CRC-32 (the check before hnswlib)', indexBytes, await time(() => crc32OfFile(indexFile)));
  report('index file: CRC-32 at write (of the bytes written)', indexBytes, await time(() => crc32Of(index)));
} finally {
  await rm(dir, { recursive: true, force: true });
}
