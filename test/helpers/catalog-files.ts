/**
 * A small "own data" catalog written as JSON Lines, CSV and Parquet: string ids
 * (`sku-00001`), 48-d embeddings (float32 values, so every format round-trips exactly),
 * a category, a price and an on/off-shelf status (15 % off).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeParquet } from '../../tools/write-parquet.js';

export { writeParquet };

export interface OwnRow {
  readonly id: string;
  readonly embedding: readonly number[];
  readonly category: string;
  readonly price: number;
  readonly status: 'on_shelf' | 'off_shelf';
}

export interface OwnData {
  readonly items: readonly OwnRow[];
  readonly users: readonly { id: string; embedding: readonly number[] }[];
  readonly dim: number;
}

/** Deterministic: the same seed makes the same data (mulberry32). */
export function ownData(items: number, users: number, dim = 48, seed = 11): OwnData {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const vector = (): number[] => Array.from({ length: dim }, () => Math.fround(next() * 2 - 1));
  const pad = (i: number): string => String(i).padStart(5, '0');
  return {
    dim,
    items: Array.from({ length: items }, (_, i) => ({
      id: `sku-${pad(i + 1)}`,
      embedding: vector(),
      category: `cat_${Math.floor(next() * 6)}`,
      price: Math.round(next() * 100_000) / 100,
      status: next() < 0.15 ? 'off_shelf' : 'on_shelf',
    })),
    users: Array.from({ length: users }, (_, i) => ({ id: `u-${pad(i + 1)}`, embedding: vector() })),
  };
}

export function writeJsonLines(path: string, rows: readonly object[]): void {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** CSV with the embedding as one quoted cell of comma-separated numbers. */
export function writeCsv(path: string, rows: readonly Record<string, unknown>[]): void {
  const first = rows[0];
  if (!first) throw new Error('no rows');
  const names = Object.keys(first);
  const cell = (v: unknown): string => {
    const t = Array.isArray(v) ? v.join(',') : String(v);
    return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  writeFileSync(path, [names.join(','), ...rows.map((r) => names.map((n) => cell(r[n])).join(','))].join('\n') + '\n');
}

/** Writes items and users in all three formats into `dir`; returns the paths by format. */
export function writeOwnData(dir: string, data: OwnData): Record<'jsonl' | 'csv' | 'parquet', { items: string; users: string }> {
  const items = data.items as unknown as Record<string, unknown>[];
  const users = data.users as unknown as Record<string, unknown>[];
  const out = {
    jsonl: { items: join(dir, 'items.jsonl'), users: join(dir, 'users.jsonl') },
    csv: { items: join(dir, 'items.csv'), users: join(dir, 'users.csv') },
    parquet: { items: join(dir, 'items.parquet'), users: join(dir, 'users.parquet') },
  };
  writeJsonLines(out.jsonl.items, items);
  writeJsonLines(out.jsonl.users, users);
  writeCsv(out.csv.items, items);
  writeCsv(out.csv.users, users);
  writeParquet(out.parquet.items, items);
  writeParquet(out.parquet.users, users);
  return out;
}
