/** JSON path helpers: the one spelling of a location in the config or a request ("$.a[0].b"). */
export function pathFromSegments(segments: readonly (string | number)[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Ajv's JSON pointer ("/AlgoConfs/0/Name") as a JSON path. */
export function pathFromPointer(pointer: string, extra?: string): string {
  const segments: (string | number)[] = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  if (extra !== undefined) segments.push(extra);
  return pathFromSegments(segments);
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of the first key that could pollute a prototype, or undefined. */
export function findForbiddenKey(value: unknown, path = '$', depth = 0): string | undefined {
  if (depth > 64 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findForbiddenKey(value[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const child = pathFromSegments([key]).slice(1);
    if (FORBIDDEN.has(key)) return `${path}${child}`;
    const hit = findForbiddenKey((value as Record<string, unknown>)[key], `${path}${child}`, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}
