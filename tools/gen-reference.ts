/**
 * Writes the reference pages generated from the code, so they cannot drift from it:
 *
 *   npx tsc -p . && node dist/tools/gen-reference.js
 *
 *   docs/reference/config.md   config keys, types, defaults, bounds (src/config/schema.ts)
 *   docs/reference/errors.md   error codes, statuses, log levels (src/errors.ts)
 *   docs/reference/metrics.md  metric names, types, labels (metric definitions under src/)
 *   docs/pairec-migration.md   PaiRec's keys and type names: honoured, ignored or not supported
 *
 * test/unit/reference-docs.test.ts generates them again and fails when a committed page differs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configReference } from './reference/config-table.js';
import { errorsReference } from './reference/errors-table.js';
import { metricsReference } from './reference/metrics-table.js';
import { pairecReference } from './reference/pairec-table.js';

/** The repository root, from dist/tools/ or tools/. */
export const ROOT = resolve(fileURLToPath(import.meta.url), fileURLToPath(import.meta.url).includes('/dist/') ? '../../..' : '../..');

/** Each generated page by its path from the repository root. */
export function referencePages(root = ROOT): Record<string, string> {
  return {
    'docs/reference/config.md': configReference(),
    'docs/reference/errors.md': errorsReference(),
    'docs/reference/metrics.md': metricsReference(root),
    'docs/pairec-migration.md': pairecReference(),
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(resolve(ROOT, 'docs/reference'), { recursive: true });
  for (const [path, text] of Object.entries(referencePages())) {
    writeFileSync(resolve(ROOT, path), text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
