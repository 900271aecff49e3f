import { extname } from 'node:path';
import { PairecError } from '../errors.js';

/** Catalog file formats by extension (the readers are in file-formats.ts). */
export type CatalogFormat = 'jsonl' | 'csv' | 'parquet';

const EXTENSIONS: Readonly<Record<string, CatalogFormat>> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.parquet': 'parquet',
};

export function formatOf(path: string): CatalogFormat {
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (!format) {
    throw new PairecError('ERR_CONFIG_INVALID', `${path}: a catalog file must end in .jsonl, .ndjson, .csv or .parquet`, { path: 'CatalogConf' });
  }
  return format;
}
