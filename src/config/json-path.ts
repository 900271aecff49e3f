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
