import { PairecError } from '../errors.js';
import { pathFromSegments } from '../config/json-path.js';

/**
 * Deepest nesting a request body may have. PaiRec's bodies are at most four levels deep
 * (a callback's item entries with their extra fields); anything deeper is not a request
 * but an attempt to make every later walk over it expensive.
 */
export const MAX_BODY_DEPTH = 16;

/** Keys that could reach a prototype when a body is merged or copied into an object. */
const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

interface Problem {
  readonly kind: 'depth' | 'key';
  /** The path to the problem, filled in on the way back up (nothing is built while the body is fine). */
  readonly segments: (string | number)[];
}

function scan(value: unknown, depth: number): Problem | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_BODY_DEPTH) return { kind: 'depth', segments: [] };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = scan(value[i], depth + 1);
      if (p) {
        p.segments.unshift(i);
        return p;
      }
    }
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    if (FORBIDDEN.has(key)) return { kind: 'key', segments: [key] };
    const p = scan(obj[key], depth + 1);
    if (p) {
      p.segments.unshift(key);
      return p;
    }
  }
  return undefined;
}

/**
 * Body parser for application/json. JSON.parse keeps "__proto__" as a plain own key
 * (it never reaches a prototype), and one walk then rejects any such key by path, and
 * nesting deeper than MAX_BODY_DEPTH, so a poisoned body is reported as what it is
 * rather than as malformed JSON.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new PairecError('ERR_MALFORMED_JSON', 'the request body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PairecError('ERR_MALFORMED_JSON', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  const problem = scan(value, 0);
  if (problem) {
    const field = pathFromSegments(problem.segments).replace(/^\$\.?/, '') || '$';
    if (problem.kind === 'key') throw new PairecError('ERR_FORBIDDEN_KEY', `${field} is a forbidden key`, { path: field });
    throw new PairecError('ERR_INVALID_FIELD', `${field} nests deeper than ${MAX_BODY_DEPTH} levels`, { path: field });
  }
  return value;
}
