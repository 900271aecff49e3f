/**
 * Keys that reach a prototype when a parsed value is merged or copied into an object, or
 * when a name is looked up on one: never accepted in a request body, a config file or an
 * expression's field names. The one list, and the one walk over parsed JSON.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface NestingProblem {
  /** A forbidden key, or a container nested `maxDepth` levels deep. */
  readonly kind: 'key' | 'depth';
  /** The path to the problem, filled in on the way back up (nothing is built while the value is fine). */
  readonly segments: (string | number)[];
}

/**
 * The first forbidden key or too-deep container in `value`, in document order. A depth
 * bound, because the walk is recursive and an input nested a million levels would
 * otherwise overflow the stack (or make every later walk over it expensive).
 */
export function findNestingProblem(value: unknown, maxDepth: number, depth = 0): NestingProblem | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= maxDepth) return { kind: 'depth', segments: [] };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findNestingProblem(value[i], maxDepth, depth + 1);
      if (p) {
        p.segments.unshift(i);
        return p;
      }
    }
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  // for…in, not Object.keys: no array per object on the request path. JSON.parse and
  // structuredClone build plain objects, so it sees exactly their own keys.
  for (const key in obj) {
    if (FORBIDDEN_KEYS.has(key)) return { kind: 'key', segments: [key] };
    const p = findNestingProblem(obj[key], maxDepth, depth + 1);
    if (p) {
      p.segments.unshift(key);
      return p;
    }
  }
  return undefined;
}
