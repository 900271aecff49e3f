import { PairecError } from '../../errors.js';

/**
 * A JSON object read the way Go's encoding/json fills PaiRec's request structs: a key
 * names a field exactly or, failing that, case-insensitively (`"UID"` fills `uid`); a
 * later key overwrites an earlier one; keys that name no field are ignored; `null`
 * leaves a field unset. A value of the wrong type is an error (Go's "cannot unmarshal"),
 * reported here with the field's path.
 */
export function goFields<K extends string>(body: unknown, fields: readonly K[]): Partial<Record<K, unknown>> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PairecError('ERR_INVALID_FIELD', 'the request body must be a JSON object', { path: '$' });
  }
  const byLower = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const exact = new Set<string>(fields);
  const out: Partial<Record<K, unknown>> = {};
  const o = body as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    const field = exact.has(key) ? (key as K) : byLower.get(key.toLowerCase());
    if (field === undefined) continue;
    const v = o[key];
    if (v === null) continue;
    out[field] = v;
  }
  return out;
}

/** A string field, at most `maxLength` characters (a bound of this engine; PaiRec has none). */
export function goString(v: unknown, path: string, maxLength: number): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new PairecError('ERR_INVALID_FIELD', `${path} must be a string`, { path });
  if (v.length > maxLength) throw new PairecError('ERR_INVALID_FIELD', `${path} must be at most ${maxLength} characters`, { path });
  return v;
}

/** An integer field (Go's int: 10.5 and "10" are errors). */
export function goInt(v: unknown, path: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new PairecError('ERR_INVALID_FIELD', `${path} must be an integer`, { path });
  return v;
}

export function goBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new PairecError('ERR_INVALID_FIELD', `${path} must be a boolean`, { path });
  return v;
}

/** A JSON object field (Go's map[string]interface{}). */
export function goObject(v: unknown, path: string): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PairecError('ERR_INVALID_FIELD', `${path} must be an object`, { path });
  return v as Record<string, unknown>;
}

/** A JSON array field of at most `maxItems` entries. */
export function goArray(v: unknown, path: string, maxItems: number): readonly unknown[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new PairecError('ERR_INVALID_FIELD', `${path} must be an array`, { path });
  if (v.length > maxItems) throw new PairecError('ERR_INVALID_FIELD', `${path} must have at most ${maxItems} entries`, { path });
  return v;
}
