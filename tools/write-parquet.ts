import { parquetWriteFile } from 'hyparquet-writer';

/** Parquet as Spark writes it: the embedding a 3-level list<float>, strings UTF8. */
export function writeParquet(path: string, rows: readonly Record<string, unknown>[], rowGroupSize = 1000): void {
  const first = rows[0];
  if (!first) throw new Error('no rows');
  const names = Object.keys(first);
  const schema: Record<string, unknown>[] = [{ name: 'root', num_children: names.length }];
  for (const n of names) {
    const v = first[n];
    if (Array.isArray(v)) {
      schema.push({ name: n, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 });
      schema.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      schema.push({ name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' });
    } else if (typeof v === 'number') schema.push({ name: n, type: 'DOUBLE', repetition_type: 'OPTIONAL' });
    else if (typeof v === 'boolean') schema.push({ name: n, type: 'BOOLEAN', repetition_type: 'OPTIONAL' });
    else schema.push({ name: n, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
  }
  parquetWriteFile({
    filename: path,
    columnData: names.map((n) => ({ name: n, data: rows.map((r) => r[n] ?? null) })),
    schema: schema as never,
    rowGroupSize,
  });
}
