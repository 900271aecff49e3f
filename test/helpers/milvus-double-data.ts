/**
 * The in-memory side of the Milvus test double (see milvus-double.ts): collections loaded
 * from JSON, brute-force search, a small subset of Milvus' filter expressions, and the
 * decoding of the search request's placeholder group.
 */
import { readFileSync } from 'node:fs';

export type Metric = 'IP' | 'L2';
export type Scalar = string | number | boolean;

export interface CollectionFile {
  readonly collections: readonly CollectionSpec[];
}

/** One collection: rows of `{[idField], [vectorField], partition?, ...scalar fields}`. */
export interface CollectionSpec {
  readonly name: string;
  readonly metric: Metric;
  readonly dim: number;
  readonly idField?: string;
  readonly vectorField?: string;
  readonly rows: readonly Record<string, unknown>[];
}

export interface Row {
  readonly id: string | number;
  readonly vector: Float32Array;
  readonly partition: string;
  readonly scalars: Readonly<Record<string, Scalar>>;
}

/** A Milvus data type name, as the SDK reads it with `enums: String`. */
export type ScalarType = 'VarChar' | 'Int64' | 'Double' | 'Bool';

export interface Collection {
  readonly name: string;
  readonly metric: Metric;
  readonly dim: number;
  readonly idField: string;
  readonly idType: 'VarChar' | 'Int64';
  readonly vectorField: string;
  /** Scalar fields other than the id, with their type. */
  readonly scalarTypes: ReadonlyMap<string, ScalarType>;
  readonly rows: readonly Row[];
}

function scalarType(v: Scalar): ScalarType {
  if (typeof v === 'string') return 'VarChar';
  if (typeof v === 'boolean') return 'Bool';
  return Number.isInteger(v) ? 'Int64' : 'Double';
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

export function loadCollections(file: string): Map<string, Collection> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as CollectionFile;
  const out = new Map<string, Collection>();
  for (const spec of parsed.collections) {
    const idField = spec.idField ?? 'id';
    const vectorField = spec.vectorField ?? 'vector';
    const scalarTypes = new Map<string, ScalarType>();
    const rows = spec.rows.map((r): Row => {
      const id = r[idField];
      const vec = r[vectorField];
      if (typeof id !== 'string' && typeof id !== 'number') throw new Error(`row without ${idField}`);
      if (!Array.isArray(vec) || vec.length !== spec.dim) throw new Error(`row ${id}: vector of ${spec.dim} numbers expected`);
      const scalars: Record<string, Scalar> = {};
      for (const [k, v] of Object.entries(r)) {
        if (k === idField || k === vectorField || k === 'partition' || !isScalar(v)) continue;
        scalars[k] = v;
        if (!scalarTypes.has(k)) scalarTypes.set(k, scalarType(v));
      }
      const partition = typeof r.partition === 'string' ? r.partition : '_default';
      return { id, vector: Float32Array.from(vec as number[]), partition, scalars };
    });
    const idType = typeof rows[0]?.id === 'number' ? 'Int64' : 'VarChar';
    out.set(spec.name, { name: spec.name, metric: spec.metric, dim: spec.dim, idField, idType, vectorField, scalarTypes, rows });
  }
  return out;
}

/** Milvus' L2 is the squared Euclidean distance; IP the inner product. */
export function distance(metric: Metric, a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    s += metric === 'IP' ? x * y : (x - y) * (x - y);
  }
  return s;
}

/** Exact top-k: IP by descending product, L2 by ascending distance, ties by row order. */
export function bruteForce(c: Collection, rows: readonly Row[], q: Float32Array, k: number, offset: number): { row: Row; score: number }[] {
  const scored = rows.map((row) => ({ row, score: distance(c.metric, q, row.vector) }));
  scored.sort((a, b) => (c.metric === 'IP' ? b.score - a.score : a.score - b.score));
  return scored.slice(offset, offset + k);
}

/**
 * The filter subset the double understands: empty, `field == literal`, `field != literal`
 * and `field in [literal, ...]`, with string literals in double quotes. Anything else is
 * refused (null), as Milvus refuses a malformed expression.
 */
export function compileFilter(expr: string, idField: string): ((row: Row) => boolean) | null {
  const text = expr.trim();
  if (text === '') return () => true;
  const m = /^(\w+)\s*(==|!=|in)\s*(.+)$/.exec(text);
  if (!m) return null;
  const [, field = '', op, rhs = ''] = m;
  let literals: unknown;
  try {
    literals = JSON.parse(op === 'in' ? rhs : `[${rhs}]`);
  } catch {
    return null;
  }
  if (!Array.isArray(literals) || !literals.every(isScalar)) return null;
  const set = new Set<Scalar>(literals);
  const valueOf = (row: Row): unknown => (field === idField ? row.id : row.scalars[field]);
  return op === '!=' ? (row) => !set.has(valueOf(row) as Scalar) : (row) => set.has(valueOf(row) as Scalar);
}

/** Reads a protobuf varint at `pos`; returns [value, next position]. */
function varint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[pos++];
    if (byte === undefined) throw new Error('truncated varint');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, pos];
    shift += 7;
  }
}

/** The length-delimited fields `wanted` of one protobuf message; other fields are skipped. */
function bytesFields(buf: Uint8Array, wanted: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = varint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    pos = afterKey;
    if (wire === 0) pos = varint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, start] = varint(buf, pos);
      if (field === wanted) out.push(buf.subarray(start, start + len));
      pos = start + len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

/**
 * Query vectors of a search request. `placeholder_group` is a serialized
 * milvus.proto.common.PlaceholderGroup { repeated PlaceholderValue placeholders = 1 },
 * PlaceholderValue { string tag = 1; PlaceholderType type = 2; repeated bytes values = 3 };
 * each float vector value is `dim` little-endian float32s. The SDK builds these bytes
 * itself, so the double decodes these three fields by hand rather than reach for
 * protobufjs, which this project does not depend on directly.
 */
export function decodeQueries(group: Uint8Array, dim: number): Float32Array[] {
  const vectors: Float32Array[] = [];
  for (const placeholder of bytesFields(group, 1)) {
    for (const value of bytesFields(placeholder, 3)) {
      if (value.length !== dim * 4) throw new Error(`query of ${value.length / 4} dimensions, collection has ${dim}`);
      const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
      vectors.push(Float32Array.from({ length: dim }, (_, i) => view.getFloat32(i * 4, true)));
    }
  }
  return vectors;
}
