/**
 * One connection to a catalog table's database, for the background reads of a table
 * catalog: its columns (the layout check), its rows streamed in id order, and its
 * version signature (the refresh poll). Not the serving pools (store/hologres.ts,
 * store/mysql.ts): a catalog read runs on a worker thread and for seconds, far past a
 * serving query's QueryTimeout, and must not hold a serving connection meanwhile.
 */
import mysql from 'mysql2';
import type { Connection as MysqlConnection, RowDataPacket } from 'mysql2';
import pg from 'pg';
import { PairecError } from '../errors.js';
import { dsnSettings } from '../store/dsn.js';
import { mysqlSettings } from '../store/mysql.js';
import { dialectOf, tableParts } from '../store/sql-dialect.js';
import type { CatalogTable } from './sql-tables.js';

/** Rows per FETCH of the PostgreSQL cursor: a 1M-row table is never one result in memory. */
export const PAGE_ROWS = 2000;
/** Longest run of one statement (a page, the count, the checksum) of a background read, ms. */
export const CATALOG_STATEMENT_MS = 60_000;

type Row = Record<string, unknown>;

export interface TableConnection {
  /** The table's columns as the database stores them; empty when there is no such table. */
  columns(): Promise<Set<string>>;
  /** Every row, in id order, streamed (a cursor in one read-only snapshot; MySQL: a streamed result). */
  rows(): AsyncIterable<Row>;
  /** A cheap signature of the table's content: count(*) and VersionField's max, else a checksum. */
  version(): Promise<string>;
  close(): Promise<void>;
}

const unreachable = (t: CatalogTable, err: unknown): PairecError =>
  new PairecError('ERR_BACKEND_UNAVAILABLE', `${t.adapter} "${t.database}" (table "${t.table}"): ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });

/** Opens a connection (within the entry's ConnectTimeout); fails with ERR_BACKEND_UNAVAILABLE naming the entry, never the DSN. */
export async function openTable(t: CatalogTable): Promise<TableConnection> {
  try {
    return t.adapter === 'mysql' ? await openMysql(t) : await openPostgres(t);
  } catch (err) {
    throw err instanceof PairecError ? err : unreachable(t, err);
  }
}

/** Integers and decimals as numbers (pg gives int8 and numeric as text), times as the database prints them. */
const PG_TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): ((v: string) => unknown) => {
    if (oid === 20) return (v) => (Number.isSafeInteger(Number(v)) ? Number(v) : v);
    if (oid === 1700) return (v) => Number(v);
    if (oid === 1082 || oid === 1114 || oid === 1184) return (v) => v;
    return pg.types.getTypeParser(oid, format ?? 'text') as (v: string) => unknown;
  },
};

async function openPostgres(t: CatalogTable): Promise<TableConnection> {
  const d = dialectOf('hologres');
  const client = new pg.Client({
    ...dsnSettings(t.dsn),
    connectionTimeoutMillis: t.connectTimeout,
    statement_timeout: CATALOG_STATEMENT_MS,
    application_name: 'pairec-ts catalog',
    types: PG_TYPES,
  });
  client.on('error', () => undefined); // a broken socket fails the pending query
  await client.connect();
  const table = d.quote(t.table);
  const wrap = async <T>(p: Promise<T>): Promise<T> => p.catch((err: unknown) => Promise.reject(unreachable(t, err)));
  return {
    columns: async () => {
      const { schema, table: name } = tableParts(d, t.table);
      const res = await wrap(client.query<{ column_name: string }>(d.columnsSql, [schema ?? null, name]));
      return new Set(res.rows.map((r) => r.column_name));
    },
    async *rows() {
      // One snapshot: rows changed while the read pages through are not half seen.
      await wrap(client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'));
      await wrap(client.query(`DECLARE pairec_catalog NO SCROLL CURSOR FOR SELECT * FROM ${table} ORDER BY ${d.quote(t.idField)}`));
      for (;;) {
        const page = await wrap(client.query<Row>(`FETCH ${PAGE_ROWS} FROM pairec_catalog`));
        if (page.rows.length === 0) break;
        yield* page.rows;
      }
      await wrap(client.query('COMMIT'));
    },
    version: async () => {
      // Without a version column, a checksum of every row's text (order-free: a sum).
      const sql = t.versionField
        ? `SELECT count(*)::text AS n, max(${d.quote(t.versionField)})::text AS v FROM ${table}`
        : `SELECT count(*)::text AS n, coalesce(sum(('x' || substr(md5(r::text), 1, 8))::bit(32)::int8), 0)::text AS v FROM ${table} AS r`;
      const res = await wrap(client.query<{ n: string; v: string | null }>(sql));
      const row = res.rows[0];
      return `${row?.n ?? ''}:${row?.v ?? ''}`;
    },
    close: () => client.end().catch(() => undefined),
  };
}

async function openMysql(t: CatalogTable): Promise<TableConnection> {
  const d = dialectOf('mysql');
  const conn: MysqlConnection = mysql.createConnection({
    ...mysqlSettings(t.dsn),
    connectTimeout: t.connectTimeout,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    dateStrings: true,
  });
  conn.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  const p = conn.promise();
  const wrap = async <T>(q: Promise<T>): Promise<T> => q.catch((err: unknown) => Promise.reject(unreachable(t, err)));
  // Bounds each statement on the server (MariaDB; MySQL's name for it is tried next).
  await p
    .query(`SET SESSION max_statement_time = ${CATALOG_STATEMENT_MS / 1000}`)
    .catch(() => p.query(`SET SESSION max_execution_time = ${CATALOG_STATEMENT_MS}`).catch(() => undefined));
  const table = d.quote(t.table);
  return {
    columns: async () => {
      const { schema, table: name } = tableParts(d, t.table);
      const [rows] = await wrap(p.query<RowDataPacket[]>(d.columnsSql, [schema ?? null, name]));
      return new Set(rows.map((r) => String(r.column_name)));
    },
    async *rows() {
      // A streamed result: rows are decoded as they arrive, the socket paused while the reader is behind.
      const stream = conn.query(`SELECT * FROM ${table} ORDER BY ${d.quote(t.idField)}`).stream({ highWaterMark: PAGE_ROWS });
      try {
        for await (const row of stream as AsyncIterable<Row>) yield row;
      } catch (err) {
        throw unreachable(t, err);
      }
    },
    version: async () => {
      if (t.versionField) {
        const [rows] = await wrap(p.query<RowDataPacket[]>(`SELECT count(*) AS n, max(${d.quote(t.versionField)}) AS v FROM ${table}`));
        return `${String(rows[0]?.n ?? '')}:${String(rows[0]?.v ?? '')}`;
      }
      const [rows] = await wrap(p.query<RowDataPacket[]>(`CHECKSUM TABLE ${table}`));
      return `checksum:${String(rows[0]?.Checksum ?? '')}`;
    },
    close: () => p.end().catch(() => undefined),
  };
}
