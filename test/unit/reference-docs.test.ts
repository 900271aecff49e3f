import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { ROOT, referencePages } from '../../tools/gen-reference.js';
import { configRows } from '../../tools/reference/config-table.js';
import { metricRows } from '../../tools/reference/metrics-table.js';

describe('generated reference pages (docs/reference)', () => {
  // Generated from the code as it is now: a key, code or metric added or changed without
  // running the generator fails here.
  for (const [path, expected] of Object.entries(referencePages())) {
    it(`${path} is what the code generates`, () => {
      const committed = readFileSync(join(ROOT, path), 'utf8');
      assert.ok(committed === expected, `${path} is stale: run \`npx tsc -p . && node dist/tools/gen-reference.js\` and commit the result`);
    });
  }

  it('a config key, default and bound come from the schema itself', () => {
    const rows = configRows(Type.Object({ A: Type.Object({ B: Type.Integer({ minimum: 1, default: 7 }), C: Type.Optional(Type.String()) }, { default: {} }) }));
    assert.deepEqual(
      rows.map((r) => [r.key, r.type, r.default, r.bounds]),
      [
        ['A', 'object', '`{}`', ''],
        ['A.B', 'integer', '`7`', '≥ 1'],
        ['A.C', 'string', 'none (optional)', ''],
      ],
    );
  });

  it('a metric defined anywhere under src/, its name or labels held in constants, is listed', (t) => {
    const root = mkdtempSync(join(tmpdir(), 'metrics-ref-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    writeFileSync(join(root, 'src', 'names.ts'), "export const NAME = 'pairec_x_total';\nexport const LABELS = ['a', 'b'] as const;\n");
    writeFileSync(
      join(root, 'src', 'deep', 'm.ts'),
      "import { NAME, LABELS } from '../names.js';\nnew Counter({ name: NAME, help: 'x', labelNames: LABELS });\nnew Gauge({ name: 'pairec_y', help: 'y' });\n",
    );
    assert.deepEqual(metricRows(root), [
      { name: 'pairec_x_total', type: 'counter', labels: ['a', 'b'], help: 'x', file: join('src', 'deep', 'm.ts') },
      { name: 'pairec_y', type: 'gauge', labels: [], help: 'y', file: join('src', 'deep', 'm.ts') },
    ]);
    writeFileSync(join(root, 'src', 'bad.ts'), "new Counter({ name: `pairec_${kind}`, help: 'x' });\n");
    assert.throws(() => metricRows(root), /not a constant/);
  });
});
