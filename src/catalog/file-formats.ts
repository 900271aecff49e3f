/**
 * Readers of catalog files by extension, each feeding rows to a ColumnsBuilder with the
 * line (text files) or row (Parquet) each came from. Files are streamed: a 1M-row export
 * is never held as text or as one array of row objects.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { PairecError } from '../errors.js';
import type { ColumnsBuilder } from './file-columns.js';

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

export async function readInto(path: string, format: CatalogFormat, into: ColumnsBuilder): Promise<void> {
  try {
    if (format === 'jsonl') await readJsonLines(path, into);
    else if (format === 'csv') await readCsv(path, into);
    else await readParquet(path, into);
  } catch (err) {
    if (err instanceof PairecError) throw err;
    throw new PairecError('ERR_DATA_INVALID', `${path}: cannot read the ${format} file: ${(err as Error).message}`, { cause: err });
  }
}

async function readJsonLines(path: string, into: ColumnsBuilder): Promise<void> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      into.reject({ unit: 'line', at: line }, `not valid JSON (${(err as Error).message.replace(/, ".*$/s, '')})`);
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) into.reject({ unit: 'line', at: line }, 'a line must be a JSON object');
    else into.add(value as Record<string, unknown>, { unit: 'line', at: line });
  }
}

async function readCsv(path: string, into: ColumnsBuilder): Promise<void> {
  // columns: true takes the header line as field names; info gives each record's line.
  const parser = createReadStream(path).pipe(parse({ columns: true, info: true, skip_empty_lines: true, bom: true, trim: false }));
  for await (const chunk of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    into.add(chunk.record, { unit: 'line', at: chunk.info.lines });
  }
}

async function readParquet(path: string, into: ColumnsBuilder): Promise<void> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  // One row group at a time: the row objects of a 1M-row file never exist at once.
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors });
    for (let i = 0; i < rows.length; i++) into.add(rows[i] as Record<string, unknown>, { unit: 'row', at: rowStart + i + 1 });
    rowStart = rowEnd;
  }
}
