/** One sample of the Prometheus text format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescape = (s: string): string => s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));

/**
 * The samples of the metrics named in `names` (a `_bucket`/`_count` series is named by its
 * full name), read from the text /metrics serves: in a cluster that text is the whole
 * cluster's (server/cluster/cluster-metrics.ts), so the console shows what Prometheus would.
 */
export function parseSamples(text: string, names: ReadonlySet<string>): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m?.[1] || !names.has(m[1])) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = unescape(l[2] as string);
    const v = m[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[3]);
    out.push({ name: m[1], labels, value: v });
  }
  return out;
}
