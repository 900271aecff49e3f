import type { PoolConfig } from 'pg';

/** lib/pq's key=value keys and node-postgres's names for them. */
const KEYS: Readonly<Record<string, 'host' | 'port' | 'user' | 'password' | 'database'>> = {
  host: 'host',
  hostaddr: 'host',
  port: 'port',
  user: 'user',
  password: 'password',
  dbname: 'database',
};

/**
 * A PaiRec DSN as node-postgres connection settings: a URL (`postgres://…`, parsed by
 * pg itself) or lib/pq's `host=h port=5432 user=u password='p w' dbname=d sslmode=…`.
 * Keys pg has no use for (connect_timeout: ConnectTimeout governs) are ignored.
 */
export function dsnSettings(dsn: string): PoolConfig {
  const t = dsn.trim();
  if (/^postgres(ql)?:\/\//i.test(t)) return { connectionString: t };
  const out: PoolConfig = {};
  // key=value pairs; a value may be single-quoted with \' and \\ escapes (libpq's rule).
  const re = /([A-Za-z_]+)\s*=\s*(?:'((?:\\.|[^'\\])*)'|(\S*))/g;
  for (const m of t.matchAll(re)) {
    const key = (m[1] ?? '').toLowerCase();
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    const to = KEYS[key];
    if (to === 'port') out.port = Number(value);
    else if (to) out[to] = value;
    else if (key === 'sslmode' && value !== 'disable' && value !== 'allow' && value !== 'prefer') {
      out.ssl = value === 'verify-full' || value === 'verify-ca' ? true : { rejectUnauthorized: false };
    }
  }
  return out;
}
