import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * CRC-32 (zlib's, built into Node): ≈ 2 GB/s here, so checking RW-1M's 256 MB of
 * embeddings costs ≈ 0.1 s a start (bench/cache-checksum.ts). It detects every error
 * burst up to 32 bits, so any one damaged byte, and a random larger damage with
 * probability 1 − 2⁻³²: a guard against torn writes and bit rot, not against tampering.
 */
export function crc32Of(data: Uint8Array): number {
  return crc32(data);
}

/** CRC-32 of a file read in chunks, for files a native library loads by path (an index can be larger than what is worth holding twice). */
export async function crc32OfFile(file: string): Promise<{ crc32: number; bytes: number }> {
  let crc = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) {
    const buf = chunk as Buffer;
    crc = crc32(buf, crc);
    bytes += buf.byteLength;
  }
  return { crc32: crc, bytes };
}
