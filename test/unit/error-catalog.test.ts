import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ERROR_CATALOG, logLevelOf } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';

describe('error catalog', () => {
  it('is documented in docs/api.md code by code, with its status', async () => {
    const doc = await readFile(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    for (const [code, { status }] of Object.entries(ERROR_CATALOG)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      assert.ok(row, `${code} is in docs/api.md`);
      if (!code.startsWith('ERR_CONFIG_') && code !== 'ERR_USAGE') assert.ok(row.includes(`| ${status} |`), `${code} is documented with status ${status}`);
    }
  });

  it('uses client statuses only for client mistakes', () => {
    const client = Object.entries(ERROR_CATALOG)
      .filter(([, v]) => v.status < 500)
      .map(([k]) => k);
    assert.deepEqual(client.sort(), [
      'ERR_BAD_REQUEST',
      'ERR_BODY_TIMEOUT',
      'ERR_BODY_TOO_LARGE',
      'ERR_CALLER_GONE',
      'ERR_FORBIDDEN',
      'ERR_FORBIDDEN_KEY',
      'ERR_HEADERS_TOO_LARGE',
      'ERR_INVALID_FIELD',
      'ERR_MALFORMED_JSON',
      'ERR_MISSING_FIELD',
      'ERR_NOT_FOUND',
      'ERR_PROFILER_BUSY',
      'ERR_REQUEST_TIMEOUT',
      'ERR_UNAUTHORIZED',
      'ERR_UNKNOWN_FIELD',
      'ERR_UNKNOWN_SCENE',
      'ERR_UNSUPPORTED_CONTENT_ENCODING',
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      'ERR_UNSUPPORTED_TRANSFER_ENCODING',
    ]);
  });

  it('logs load shedding at warn (no stack), other server errors at error, client mistakes not at all', () => {
    const codes = Object.keys(ERROR_CATALOG) as ErrorCode[];
    const warn = codes.filter((c) => logLevelOf(c) === 'warn').sort();
    assert.deepEqual(warn, ['ERR_BULKHEAD_FULL', 'ERR_CIRCUIT_OPEN', 'ERR_NOT_READY', 'ERR_OVERLOADED', 'ERR_QUEUE_FULL']);
    for (const c of codes) {
      if (warn.includes(c)) continue;
      assert.equal(logLevelOf(c), ERROR_CATALOG[c].status >= 500 ? 'error' : 'none', c);
    }
  });
});
