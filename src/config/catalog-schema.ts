import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ColumnName, SqlDaoProps } from './database-schema.js';

/** CatalogConf: the in-process catalog, generated (demo) or read from a team's files (docs/catalog.md). */
const strict = { additionalProperties: false } as const;

export const DemoCatalogSchema = Type.Object(
  {
    Items: Type.Integer({ minimum: 10, maximum: 5_000_000, default: 100_000 }),
    Users: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 10_000 }),
    Dim: Type.Integer({ minimum: 2, maximum: 4096, default: 64 }),
    Clusters: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1_000 }),
    Categories: Type.Integer({ minimum: 1, maximum: 65535, default: 20 }),
    Seed: Type.Integer({ default: 42 }),
  },
  { ...strict, default: {} },
);

/**
 * One side (Items, Users) of a catalog read from a team's data. Source "file": Path,
 * absolute or relative to the config file's folder, the format following the extension
 * (.jsonl/.ndjson, .csv, .parquet). Source "hologres" / "mysql": a table of a HologresConfs
 * / MysqlConfs entry, PaiRec's keys (HologresName + HologresTableName, MysqlName +
 * MysqlTable). Which keys a Source needs is checked at load (catalog/file-conf.ts).
 */
export const FileSideSchema = Type.Object(
  {
    Path: Type.Optional(Type.String({ minLength: 1 })),
    ...SqlDaoProps,
    IdField: Type.String({ minLength: 1, default: 'id' }),
    EmbeddingField: Type.String({ minLength: 1, default: 'embedding' }),
    /**
     * A table's version column (an update time, a serial), for RefreshSeconds: each poll
     * reads count(*) and its max, and reloads when either moved. Without it the poll reads
     * a checksum of the whole table (a full scan on the database).
     */
    VersionField: Type.Optional(ColumnName),
  },
  strict,
);
export type FileSideConf = Static<typeof FileSideSchema>;

/** No default: a config without CatalogConf loads no catalog. */
export const CatalogConfSchema = Type.Object(
  {
    /**
     * "demo": the generated catalog (Demo); "file": Items (and Users) read from files;
     * "hologres" / "mysql": read from tables of a HologresConfs / MysqlConfs entry.
     */
    Source: Type.Union([Type.Literal('demo'), Type.Literal('file'), Type.Literal('hologres'), Type.Literal('mysql')], { default: 'demo' }),
    Demo: DemoCatalogSchema,
    Items: Type.Optional(FileSideSchema),
    Users: Type.Optional(FileSideSchema),
    /** Bad rows a file or table catalog may skip (counted and logged); one more rejects the load. */
    MaxBadRows: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    /** Where generated data and built indexes are cached; "" disables the cache. */
    CacheDir: Type.String({ default: '.cache' }),
    /**
     * How often (seconds) a file catalog's files (a file replaced by rename), or a table
     * catalog's version (count and VersionField's max, else a checksum), are checked for a
     * new version; a changed one is loaded and indexed aside, then swapped in. 0: only at a
     * config reload (SIGHUP, the reload API).
     */
    RefreshSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400, default: 0 })),
  },
  strict,
);
