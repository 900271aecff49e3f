import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../../tools/gen-reference.js';

const markdown = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? markdown(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
const DOCS = [...markdown(join(ROOT, 'docs')), join(ROOT, 'README.md'), join(ROOT, 'bench/results/SUMMARY.md')];
const RESULTS = join(ROOT, 'bench/results');

/** The files a cited path names: `x.{md,json}` is two, `x.*` every file of that stem. */
function cited(path: string): string[] {
  const braces = /^(.*)\{([^}]+)\}$/.exec(path);
  if (braces) return (braces[2] ?? '').split(',').map((ext) => `${braces[1] ?? ''}${ext}`);
  if (path.endsWith('.*')) {
    const stem = path.slice('bench/results/'.length, -1);
    const found = readdirSync(RESULTS).filter((f) => f.startsWith(stem));
    return found.length > 0 ? found.map((f) => `bench/results/${f}`) : [path];
  }
  return [path];
}

// bench/results keeps only what a document cites (the rest is folded into SUMMARY.md):
// a file removed while still cited, or a citation of a file never kept, fails here.
describe('bench/results', () => {
  it('every bench/results file a document names exists', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const file of DOCS) {
      for (const m of readFileSync(file, 'utf8').matchAll(/bench\/results\/[A-Za-z0-9_.{},*<>-]+/g)) {
        const path = m[0].replace(/[.,]+$/, '');
        // A pattern (`rw-100k-<time>`, `rw-*`), not a file.
        if (path.includes('<') || (path.includes('*') && !path.endsWith('.*'))) continue;
        for (const f of cited(path)) {
          checked++;
          if (!existsSync(join(ROOT, f))) missing.push(`${relative(ROOT, file)}: ${f}`);
        }
      }
    }
    assert.ok(checked >= 10, `only ${String(checked)} citations found`);
    assert.deepEqual(missing, []);
  });

  it('every markdown link to bench/results resolves', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\]\(([^)#\s]*bench\/results[^)#\s]*)(#[^)]*)?\)/g)) {
        if (!existsSync(resolve(dirname(file), m[1] ?? ''))) broken.push(`${relative(ROOT, file)}: ${m[1] ?? ''}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('SUMMARY.md has a row for every run kept in full', () => {
    const summary = readFileSync(join(RESULTS, 'SUMMARY.md'), 'utf8');
    for (const f of readdirSync(RESULTS).filter((n) => /^rw-100k-.*\.json$/.test(n))) {
      const time = /T(\d\d)-(\d\d)-(\d\d)/.exec(f);
      assert.ok(time, f);
      assert.ok(summary.includes(`\`${time[1] ?? ''}:${time[2] ?? ''}:${time[3] ?? ''}\``), `${f} has no row in SUMMARY.md`);
    }
  });
});
