import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { PairecError } from '../../errors.js';

/** Vectors to serve: row-major, `dim` wide, with one label (item id) per row. */
export interface VectorData {
  readonly dim: number;
  readonly vectors: Float32Array;
  readonly labels: readonly string[];
}

/**
 * `.fvecs` (the TEXMEX format Faiss tools use): per vector an int32 little-endian
 * dimension followed by that many float32. Labels are the 0-based row numbers.
 */
export async function readFvecs(file: string): Promise<VectorData> {
  const buf = await readFile(file);
  if (buf.length < 4) throw new PairecError('ERR_CONFIG_READ', `${file}: empty .fvecs file`);
  const dim = buf.readInt32LE(0);
  const stride = 4 + dim * 4;
  if (dim <= 0 || buf.length % stride !== 0) {
    throw new PairecError('ERR_CONFIG_READ', `${file}: not an .fvecs file (dimension ${dim}, ${buf.length} bytes)`);
  }
  const rows = buf.length / stride;
  const vectors = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const at = r * stride;
    if (buf.readInt32LE(at) !== dim) throw new PairecError('ERR_CONFIG_READ', `${file}: row ${r} has another dimension`);
    for (let d = 0; d < dim; d++) {
      const v = buf.readFloatLE(at + 4 + d * 4);
      // NaN or ±Infinity would poison every search that reaches the row: refuse the file.
      if (!Number.isFinite(v)) throw new PairecError('ERR_CONFIG_READ', `${file}: row ${r}, value ${d} is ${v}`);
      vectors[r * dim + d] = v;
    }
  }
  return { dim, vectors, labels: Array.from({ length: rows }, (_, i) => String(i)) };
}

/** Writes vectors as `.fvecs` (used by tests and to export a catalog). */
export function encodeFvecs(vectors: Float32Array, dim: number): Buffer {
  const rows = vectors.length / dim;
  const buf = Buffer.alloc(rows * (4 + dim * 4));
  for (let r = 0; r < rows; r++) {
    const at = r * (4 + dim * 4);
    buf.writeInt32LE(dim, at);
    for (let d = 0; d < dim; d++) buf.writeFloatLE(vectors[r * dim + d] ?? 0, at + 4 + d * 4);
  }
  return buf;
}

/** Parses one libsvm-style line `tag 1:x 2:y …` (1-based indexes, absent = 0). */
export function parseSvmLine(line: string, lineNo: number): { label: string; entries: [number, number][] } | undefined {
  const parts = line.trim().split(/\s+/);
  const label = parts[0];
  if (!label) return undefined; // blank line
  const entries: [number, number][] = [];
  for (const p of parts.slice(1)) {
    const colon = p.indexOf(':');
    const index = Number(p.slice(0, colon));
    const text = p.slice(colon + 1);
    // Number('') is 0: an entry cut off after its colon (a file still being written) is no zero.
    const value = text === '' ? Number.NaN : Number(text);
    if (colon <= 0 || !Number.isInteger(index) || index < 1 || !Number.isFinite(value)) {
      throw new PairecError('ERR_CONFIG_READ', `line ${lineNo}: "${p}" is not index:value`);
    }
    entries.push([index, value]);
  }
  return { label, entries };
}

/** `.svm` (libsvm style, as Alibaba's Faiss-Server loads): the tag is the label and id. */
export async function readSvm(file: string): Promise<VectorData> {
  const rows: { label: string; entries: [number, number][] }[] = [];
  let dim = 0;
  let lineNo = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    lineNo++;
    const row = parseSvmLine(line, lineNo);
    if (!row) continue;
    for (const [i] of row.entries) dim = Math.max(dim, i);
    rows.push(row);
  }
  if (rows.length === 0 || dim === 0) throw new PairecError('ERR_CONFIG_READ', `${file}: no vectors`);
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach((row, r) => {
    for (const [i, v] of row.entries) vectors[r * dim + i - 1] = v;
  });
  return { dim, vectors, labels: rows.map((r) => r.label) };
}

/** Reads a data file by its extension. */
export function readVectorFile(file: string): Promise<VectorData> {
  if (file.endsWith('.fvecs')) return readFvecs(file);
  if (file.endsWith('.svm') || file.endsWith('.libsvm') || file.endsWith('.txt')) return readSvm(file);
  return Promise.reject(new PairecError('ERR_CONFIG_READ', `${file}: expected a .fvecs or .svm file`));
}
