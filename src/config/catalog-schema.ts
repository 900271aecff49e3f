import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

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
 * One side of a file catalog. Path: absolute, or relative to the config file's folder;
 * the format follows the extension (.jsonl/.ndjson, .csv, .parquet).
 */
export const FileSideSchema = Type.Object(
  {
    Path: Type.String({ minLength: 1 }),
    IdField: Type.String({ minLength: 1, default: 'id' }),
    EmbeddingField: Type.String({ minLength: 1, default: 'embedding' }),
  },
  strict,
);
export type FileSideConf = Static<typeof FileSideSchema>;

/** No default: a config without CatalogConf loads no catalog. */
export const CatalogConfSchema = Type.Object(
  {
    /** "demo": the generated catalog (Demo); "file": Items (and Users) read from files. */
    Source: Type.Union([Type.Literal('demo'), Type.Literal('file')], { default: 'demo' }),
    Demo: DemoCatalogSchema,
    Items: Type.Optional(FileSideSchema),
    Users: Type.Optional(FileSideSchema),
    /** Bad rows a file catalog may skip (counted and logged); one more rejects the load. */
    MaxBadRows: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    /** Where generated data and built indexes are cached; "" disables the cache. */
    CacheDir: Type.String({ default: '.cache' }),
    /**
     * How often (seconds) a file catalog's files are checked for a new version (a file
     * replaced by rename); a changed one is loaded and indexed aside, then swapped in. 0: only
     * at a config reload (SIGHUP, the reload API).
     */
    RefreshSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400, default: 0 })),
  },
  strict,
);
