/**
 * Readers of catalog files by extension, each feeding rows to a ColumnsBuilder with the
 * line (text files) or row (Parquet) each came from. Files are streamed: a 1M-row export
 * is never held as text or as one array of row objects.
 */
import { createReadStream, openAsBlob } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { PairecError } from '../errors.js';
import type { ColumnsBuilder } from './file-columns.js';
import type { CatalogFormat } from './file-kind.js';

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

/**
 * Parquet through parquet-wasm (the Rust `parquet` crate) into Arrow, one row group at a
 * time from a Blob (the file is read by ranges, never whole). At RW-1M the whole load took
 * 19 s against hyparquet's 35 s, at less memory (docs/decisions/0004-file-catalogs.md): a
 * list column's value is a typed-array view of Arrow's buffer, with no per-value boxing.
 */
async function readParquet(path: string, into: ColumnsBuilder): Promise<void> {
  // Loaded on first use: a process without a Parquet catalog never compiles the wasm module.
  const [{ tableFromIPC }, { ParquetFile }] = await Promise.all([import('apache-arrow'), import('parquet-wasm')]);
  const file = await ParquetFile.fromFile(await openAsBlob(path));
  const groups = file.metadata().numRowGroups();
  let row = 0;
  for (let g = 0; g < groups; g++) {
    const table = tableFromIPC((await file.read({ rowGroups: [g] })).intoIPCStream());
    const names = table.schema.fields.map((f) => f.name);
    const columns = names.map((name) => table.getChild(name));
    for (let i = 0; i < table.numRows; i++) {
      // No prototype: a column named "__proto__" is an own key, refused by the builder.
      const values = Object.create(null) as Record<string, unknown>;
      for (let c = 0; c < names.length; c++) values[names[c] ?? ''] = plain(columns[c]?.get(i));
      into.add(values, { unit: 'row', at: ++row });
    }
  }
}

/** An Arrow value as a plain one: a list is its typed array (or array), a struct its JSON. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const o = v as { toArray?: () => unknown; toJSON?: () => unknown; nullCount?: number; [Symbol.iterator]?: () => Iterator<unknown> };
  // toArray() writes a null element as 0: with nulls, the elements as they are (refused).
  if (typeof o.toArray === 'function') return (o.nullCount ?? 0) > 0 && o[Symbol.iterator] ? Array.from(o as Iterable<unknown>) : o.toArray();
  if (typeof o.toJSON === 'function') return o.toJSON();
  return v;
}
