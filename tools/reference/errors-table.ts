import { ERROR_CATALOG, logLevelOf } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { page, table } from './markdown.js';

/** Every error code of the catalog with its HTTP status, log level and summary, in catalog order. */
export function errorRows(): string[][] {
  return (Object.keys(ERROR_CATALOG) as ErrorCode[]).map((code) => {
    const entry: { status: number; summary: string } = ERROR_CATALOG[code];
    return [`\`${code}\``, String(entry.status), logLevelOf(code), entry.summary];
  });
}

export function errorsReference(): string {
  return page(
    'Error codes',
    '`ERROR_CATALOG` in `src/errors.ts`',
    `How errors reach clients and logs: [api.md](../api.md#errors).\n\n${table(['code', 'status', 'log', 'summary'], errorRows())}`,
  );
}
