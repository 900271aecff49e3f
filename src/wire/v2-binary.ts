/**
 * The binary tensor data extension of the Open Inference Protocol (Triton's and KServe's
 * `binary_data`): the body is a JSON header of `Inference-Header-Content-Length` bytes,
 * followed by raw little-endian tensor bytes, one section per tensor whose parameters
 * give `binary_data_size`, in the order the header lists them. It spares writing and
 * parsing every float as text, which dominates the cost of JSON for dense inputs.
 */
export const HEADER_LENGTH = 'inference-header-content-length';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Little-endian float32 bytes of `values` (a copy on big-endian hosts only). */
export function float32Bytes(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

export function float32From(bytes: Buffer): Float32Array {
  if (bytes.length % 4 !== 0) throw new Error(`binary tensor of ${bytes.length} bytes is not float32`);
  // Copy into an aligned buffer: a slice of the body may start at any offset.
  const out = new Float32Array(bytes.length / 4);
  Buffer.from(out.buffer).set(bytes);
  return out;
}

/** A body with its JSON header and binary sections. */
export function packBinary(header: Record<string, unknown>, sections: readonly Buffer[]): { body: Buffer; headerLength: number } {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  return { body: Buffer.concat([head, ...sections]), headerLength: head.length };
}

/**
 * Splits a body: the JSON header, and for each tensor entry of `listKey` ("inputs" or
 * "outputs") its binary section, by name. Throws on sizes that do not add up.
 */
export function unpackBinary(
  body: Buffer,
  headerLength: number,
  listKey: 'inputs' | 'outputs',
): { header: Record<string, unknown>; sections: Map<string, Buffer> } {
  if (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.length) {
    throw new Error(`${HEADER_LENGTH} ${headerLength} does not fit a body of ${body.length} bytes`);
  }
  const header: unknown = JSON.parse(body.subarray(0, headerLength).toString('utf8'));
  if (!isObject(header)) throw new Error('binary header is not a JSON object');
  const sections = new Map<string, Buffer>();
  let at = headerLength;
  const list = header[listKey];
  for (const t of Array.isArray(list) ? (list as unknown[]) : []) {
    if (!isObject(t) || !isObject(t.parameters)) continue;
    const size = t.parameters.binary_data_size;
    if (size === undefined) continue;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || at + size > body.length) {
      throw new Error(`binary_data_size of "${String(t.name)}" does not fit the body`);
    }
    sections.set(String(t.name), body.subarray(at, at + size));
    at += size;
  }
  if (at !== body.length) throw new Error(`${body.length - at} bytes after the binary sections`);
  return { header, sections };
}

/** An infer request with the input rows as one binary section, asking for binary outputs. */
export function encodeV2BinaryRequest(
  rows: { data: Float32Array; count: number; width: number },
  inputName: string,
  outputName: string | undefined,
): { body: Buffer; headerLength: number } {
  const data = float32Bytes(rows.data.subarray(0, rows.count * rows.width));
  const header = {
    inputs: [{ name: inputName, shape: [rows.count, rows.width], datatype: 'FP32', parameters: { binary_data_size: data.length } }],
    ...(outputName ? { outputs: [{ name: outputName, parameters: { binary_data: true } }] } : { parameters: { binary_data_output: true } }),
  };
  return packBinary(header, [data]);
}

/** The named (else first) output's values, from a binary reply or a plain JSON one. */
export function decodeV2BinaryOutput(body: Buffer, headerLength: number | undefined, outputName: string | undefined): number[] | Float32Array {
  if (headerLength === undefined) {
    const msg: unknown = JSON.parse(body.toString('utf8'));
    return pickOutput(msg, outputName, new Map()).values;
  }
  const { header, sections } = unpackBinary(body, headerLength, 'outputs');
  return pickOutput(header, outputName, sections).values;
}

function pickOutput(msg: unknown, outputName: string | undefined, sections: Map<string, Buffer>): { values: number[] | Float32Array } {
  if (!isObject(msg) || !Array.isArray(msg.outputs)) throw new Error('reply has no "outputs" array');
  const outputs = msg.outputs as unknown[];
  const out = outputName ? outputs.find((o) => isObject(o) && o.name === outputName) : outputs[0];
  if (!isObject(out)) throw new Error(`reply has no output ${outputName ?? ''}`.trim());
  const bin = sections.get(String(out.name));
  if (bin) {
    if (out.datatype !== 'FP32') throw new Error(`binary output "${String(out.name)}" is ${String(out.datatype)}, not FP32`);
    return { values: float32From(bin) };
  }
  if (!Array.isArray(out.data)) throw new Error(`output "${String(out.name)}" has no data`);
  return { values: (out.data as unknown[]).flat(Infinity) as number[] };
}
