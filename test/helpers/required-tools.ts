/**
 * Tests that need a real binary (redis-server, prometheus, chromium, PostgreSQL's postgres, MariaDB's mariadbd) fail when it is missing: CI
 * installs them (.ci/run), and a suite that skips them in silence passes without testing
 * anything. A developer without them opts out by name in PAIREC_ALLOW_SKIP
 * (comma-separated, e.g. `PAIREC_ALLOW_SKIP=redis,prometheus`; docs/testing.md, "Skips").
 */
import { haveRedis } from './redis.js';
import { havePrometheus } from './prometheus.js';
import { haveChromium } from './chromium.js';
import { havePostgres } from './postgres.js';
import { haveMariadb } from './mariadb.js';

export type Tool = 'redis' | 'prometheus' | 'chromium' | 'postgres' | 'mariadb';

const PROBES: Record<Tool, { readonly present: () => Promise<boolean>; readonly binary: string }> = {
  redis: { present: haveRedis, binary: 'redis-server' },
  prometheus: { present: havePrometheus, binary: 'prometheus' },
  chromium: { present: haveChromium, binary: 'chromium' },
  postgres: { present: havePostgres, binary: 'postgres (postgresql)' },
  mariadb: { present: haveMariadb, binary: 'mariadbd (mariadb-server)' },
};

/** The tools PAIREC_ALLOW_SKIP names. */
export function allowedSkips(env: NodeJS.ProcessEnv = process.env): Set<string> {
  return new Set(
    (env.PAIREC_ALLOW_SKIP ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
}

/**
 * The `skip` option for tests that need `tool`: false when it is installed; a reason when
 * it is missing and PAIREC_ALLOW_SKIP names it. Missing and not allowed: throws, which
 * fails the test file with the reason.
 */
export async function skipUnlessInstalled(tool: Tool, env: NodeJS.ProcessEnv = process.env): Promise<string | false> {
  const { present, binary } = PROBES[tool];
  if (await present()) return false;
  const reason = `${binary} is not installed (.ci/run installs it)`;
  if (allowedSkips(env).has(tool)) return `${reason}; skipped as PAIREC_ALLOW_SKIP=${env.PAIREC_ALLOW_SKIP ?? ''} allows`;
  throw new Error(`${reason}: these tests fail without it; set PAIREC_ALLOW_SKIP=${tool} to skip them`);
}
