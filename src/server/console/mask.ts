/** Keys whose values are secrets wherever they appear in a config (case-insensitive). */
const SECRET_KEY = /pass(word|wd)?$|secret|token|auth|dsn|credential|api_?key|access_?key|private_?key/i;

/** What a masked value reads as: the secret's presence shows, its content and length do not. */
export const MASK = '***';

/** `scheme://user:password@host…` → `scheme://user:***@host…` (a URL may carry credentials). */
function maskUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/i, `$1:${MASK}@`);
}

/**
 * A copy of a config for people to read: values under secret-looking keys (passwords,
 * tokens, DSNs, Authorization headers, EAS `Auth`) replaced by MASK, and passwords inside
 * URLs too. Empty strings stay empty, so "no password" reads as such.
 */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) return value === '' ? '' : MASK;
    return maskUrl(value);
  }
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== null && typeof v === 'object' ? maskAll(v) : maskSecrets(v, k);
    }
    return out;
  }
  return value;
}

/** A secret's whole subtree (a `Headers`-like object under an `Auth` key): every string masked. */
function maskAll(value: unknown): unknown {
  if (typeof value === 'string') return value === '' ? '' : MASK;
  if (Array.isArray(value)) return value.map(maskAll);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]));
  return value;
}
