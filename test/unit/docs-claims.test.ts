import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { ROOT } from '../../tools/gen-reference.js';
import { metricRows } from '../../tools/reference/metrics-table.js';

// What the hand-written docs say about the code, checked against the code. The reference
// tables (docs/reference) are generated; these are the claims that live in prose.
const markdown = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? markdown(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
const DOCS = markdown(join(ROOT, 'docs')).filter((f) => !f.includes(`${join('docs', 'reference')}`));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
/** The text of a markdown section, from its heading to the next heading of the same or a higher level. */
function section(text: string, heading: string): string {
  const start = text.indexOf(heading);
  assert.ok(start >= 0, `no section ${heading}`);
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const rest = text.slice(start + heading.length);
  const end = rest.search(new RegExp(`\\n#{1,${String(level)}} `));
  return end < 0 ? rest : rest.slice(0, end);
}

describe('docs match the code', () => {
  it('every metric{labels} the docs name uses label names the metric has', () => {
    const labels = new Map(metricRows(ROOT).map((m) => [m.name, new Set([...m.labels, ...(m.type === 'histogram' ? ['le'] : [])])]));
    const wrong: string[] = [];
    let checked = 0;
    for (const file of DOCS) {
      for (const m of readFileSync(file, 'utf8').matchAll(/`(pairec_[a-z0-9_]+)\{([^}`]*)\}/g)) {
        const known = labels.get(m[1] ?? '');
        if (!known) continue; // prom-client's default metrics and name patterns
        checked++;
        for (const label of (m[2] ?? '')
          .split(',')
          .map((l) => l.trim().split(/[=!~]/)[0]?.trim() ?? '')
          .filter((l) => l !== '')) {
          if (!known.has(label)) wrong.push(`${relative(ROOT, file)}: ${m[1] ?? ''}{${label}} (labels: ${[...known].join(', ')})`);
        }
      }
    }
    assert.ok(checked > 10, `only ${String(checked)} mentions checked`);
    assert.deepEqual(wrong, []);
  });

  it("monitoring.md's metric tables give each metric the type and label names its definition has", () => {
    const defined = new Map(metricRows(ROOT).map((m) => [m.name, m]));
    const wrong: string[] = [];
    let checked = 0;
    for (const row of read('docs/operations/monitoring.md').matchAll(/^\| `(pairec_[a-z0-9_]+)` \| (\w*) \| (.*?) \| /gm)) {
      const metric = defined.get(row[1] ?? '');
      if (!metric) continue;
      checked++;
      // Label names are the backticked words outside parentheses (those hold label values).
      let cellText = (row[3] ?? '').replace(/\\\|/g, ' ');
      while (/\([^()]*\)/.test(cellText)) cellText = cellText.replace(/\([^()]*\)/g, '');
      const labels = [...cellText.matchAll(/`([a-z_]+)`/g)].map((m) => m[1] ?? '').sort();
      if (row[2] !== metric.type) wrong.push(`${metric.name}: type ${row[2] ?? ''}, defined ${metric.type}`);
      if (labels.join(',') !== [...metric.labels].sort().join(','))
        wrong.push(`${metric.name}: labels ${labels.join(',')}, defined ${[...metric.labels].sort().join(',')}`);
    }
    assert.ok(checked > 20, `only ${String(checked)} rows checked`);
    assert.deepEqual(wrong, []);
  });

  it("every /ready status the code answers is documented (api.md and running.md's probes)", () => {
    const probes = read('src/server/routes/probes.ts');
    const handler = probes.slice(probes.indexOf("app.get('/ready'"), probes.indexOf("app.get('/metrics'"));
    const statuses = [...new Set([...handler.matchAll(/'([a-z_]+)'/g)].map((m) => m[1] ?? '').filter((s) => s !== '/ready'))];
    assert.ok(statuses.length >= 5, `statuses found: ${statuses.join(', ')}`);
    const api = section(read('docs/api.md'), '## `GET /ready`');
    const running = section(read('docs/operations/running.md'), '## Probes');
    for (const status of statuses) {
      assert.match(api, new RegExp(`"status":"${status}"`), `api.md's /ready does not document "${status}"`);
      assert.match(running, new RegExp(`\`${status}\``), `running.md's probes do not document \`${status}\``);
    }
  });

  it('no config key the code reads is documented as reserved', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const code = sources(join(ROOT, 'src'))
      .filter((f) => !f.endsWith(join('config', 'schema.ts')))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const reserved = [...read('docs/configuration.md').matchAll(/^\| `([^`]+)` \|[^\n]*\breserved\b[^\n]*$/gm)].map((m) => m[1] ?? '');
    for (const key of reserved) {
      const leaf = key.split('.').at(-1) ?? key;
      assert.doesNotMatch(code, new RegExp(`\\.${leaf}\\b`), `${key} is documented as reserved but src/ reads it`);
    }
  });

  it('the ListenConf keys request handlers read per request are named as following reloads', () => {
    const routes = readdirSync(join(ROOT, 'src/server/routes'))
      .map((f) => read(`src/server/routes/${f}`))
      .join('\n');
    const perRequest = [...new Set([...routes.matchAll(/ListenConf\.(\w+)/g)].map((m) => m[1] ?? ''))];
    assert.ok(perRequest.length > 0);
    const claim = /`ListenConf` \(except ([^)]*)\)[^.]*read at start only/.exec(read('docs/configuration.md').replace(/\s+/g, ' '));
    assert.ok(claim, 'configuration.md says which ListenConf keys are read at start');
    for (const key of perRequest)
      assert.match(claim[1] ?? '', new RegExp(`\`${key}\``), `ListenConf.${key} is read per request (it follows reloads) but documented as read at start`);
  });

  it('the first log line running.md names is the one `pairec serve` writes first', async (t) => {
    const named = /The first log line of `pairec serve` is `([^`]+)`/.exec(read('docs/operations/running.md').replace(/\s+/g, ' '))?.[1];
    assert.ok(named, 'running.md names the first log line');
    // A port in use stops `serve` right after its first lines, before any process is forked.
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    t.after(() => busy.close());
    const port = (busy.address() as AddressInfo).port;
    const stdout = await new Promise<string>((resolve) => {
      const child = execFile(
        process.execPath,
        [join(ROOT, 'dist/src/cli/main.js'), 'serve', '--config', join(ROOT, 'examples/default.json'), '--host', '127.0.0.1', '--port', String(port)],
        { env: { ...process.env, PAIREC_WORKERS: '2' }, timeout: 60_000 },
        (_err, out) => resolve(out),
      );
      t.after(() => child.kill('SIGKILL'));
    });
    const first = JSON.parse(stdout.split('\n')[0] ?? '{}') as { msg?: string };
    assert.equal(first.msg, named);
  });
});
