import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so two equal configs serialise identically. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(',')}}`;
}

/** A short hash of a config value: equal configs, equal signatures. */
export function signatureOf(...parts: unknown[]): string {
  return createHash('sha256').update(stableStringify(parts)).digest('hex').slice(0, 16);
}
