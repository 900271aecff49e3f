/**
 * Vector-valued features: how an embedding stored as text or as packed float32 becomes
 * the Float32Array a model's feature spec (`{"Name": "embedding", "Dim": 32}`) copies
 * into its row. Parsing never guesses a missing or bad value into zeros: it either
 * returns exactly `dim` finite numbers or says why not.
 */

/** How a stored vector is encoded (FeatureDaoConf.Vectors[name].Format). */
export type VectorFormat = 'text' | 'float32le';

/** The closed set of reasons a stored vector is not used (label `reason` of pairec_feature_defaults_total). */
export const VECTOR_FAULTS = ['malformed', 'wrong_length', 'non_finite'] as const;
export type VectorFault = (typeof VECTOR_FAULTS)[number];

export type VectorResult = { readonly ok: true; readonly value: Float32Array } | { readonly ok: false; readonly reason: VectorFault; readonly detail: string };

const fault = (reason: VectorFault, detail: string): VectorResult => ({ ok: false, reason, detail });

// A plain decimal number: no hex, no "Infinity", no "NaN" (Number() would take the first two).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A vector written as text: numbers separated by commas or by whitespace ("0.1,0.2",
 * "0.1 0.2", "0.1, 0.2"), optionally inside one pair of brackets ("[0.1, 0.2]", the way
 * a JSON array stored as a string reads). An empty token ("1,,2"), a token that is not a
 * decimal number, a value beyond float32's range, or a count other than `dim` is refused.
 */
export function parseVectorText(raw: string, dim: number): VectorResult {
  let t = raw.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1).trim();
  if (t === '') return fault('wrong_length', `expected ${dim} values, got 0`);
  const tokens = t.includes(',') ? t.split(/\s*,\s*/) : t.split(/\s+/);
  if (tokens.length !== dim) return fault('wrong_length', `expected ${dim} values, got ${tokens.length}`);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const tok = tokens[i] as string;
    if (!DECIMAL.test(tok)) return fault('malformed', `value ${i} ${JSON.stringify(tok.slice(0, 32))} is not a number`);
    const v = Number(tok);
    out[i] = v;
    // 1e39 is a finite double but Infinity as float32: the model would see Infinity.
    if (!Number.isFinite(out[i] as number)) return fault('non_finite', `value ${i} (${tok.slice(0, 32)}) is out of float32 range`);
  }
  return { ok: true, value: out };
}

/**
 * A vector stored as packed little-endian float32 (numpy's `astype('<f4').tobytes()`,
 * Java's ByteBuffer in LITTLE_ENDIAN order): exactly 4 × dim bytes, every value finite.
 * Read through a DataView, so the host's byte order and the buffer's alignment do not matter.
 */
export function decodeFloat32LE(bytes: Uint8Array, dim: number): VectorResult {
  if (bytes.byteLength !== dim * 4) return fault('wrong_length', `expected ${dim * 4} bytes (${dim} float32), got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const v = view.getFloat32(i * 4, true);
    if (!Number.isFinite(v)) return fault('non_finite', `value ${i} is ${v}`);
    out[i] = v;
  }
  return { ok: true, value: out };
}

/** The bytes decodeFloat32LE reads: what a writer stores in Redis (tests, tools). */
export function encodeFloat32LE(values: ArrayLike<number>): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i] as number, i * 4);
  return buf;
}

/**
 * A vector given as numbers (a JSON array in a file, a request's number array): exactly
 * `dim` values (any length when `dim` is undefined), each a finite number that stays
 * finite as float32.
 */
export function vectorFromNumbers(values: readonly unknown[], dim: number | undefined): VectorResult {
  if (dim !== undefined && values.length !== dim) return fault('wrong_length', `expected ${dim} values, got ${values.length}`);
  if (values.length === 0) return fault('wrong_length', 'an empty array');
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') return fault('malformed', `value ${i} is ${v === null ? 'null' : typeof v}, not a number`);
    out[i] = v;
    if (!Number.isFinite(out[i] as number)) return fault('non_finite', `value ${i} (${v}) is not a finite float32`);
  }
  return { ok: true, value: out };
}
