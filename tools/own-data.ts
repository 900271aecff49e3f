/**
 * The own-data example's data set (examples/own-data/README.md): a catalog shaped like a
 * shop's, written as JSON Lines (and Parquet), plus the two-input ranker made by
 * examples/own-data/make_model.py:
 *
 *   npx tsc -p . && node dist/tools/own-data.js examples/own-data/data
 *
 *   items.jsonl / items.parquet  id (sku-00001), category, status (on_shelf / off_shelf,
 *                                ~15 % off), price, popularity, embedding (32 float32)
 *   users.jsonl / users.parquet  id (u-0001), embedding (32 float32)
 *   ranker.onnx                  inputs user [N, 32] and item [N, 32]
 *
 * Deterministic (seeded): the same arguments write the same rows.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeParquet } from './write-parquet.js';
import { createRng } from '../src/catalog/random.js';

export interface OwnItem {
  readonly id: string;
  readonly category: string;
  readonly status: 'on_shelf' | 'off_shelf';
  readonly price: number;
  readonly popularity: number;
  readonly embedding: number[];
}

export interface OwnUser {
  readonly id: string;
  readonly embedding: number[];
}

export interface OwnDataOptions {
  readonly items?: number;
  readonly users?: number;
  readonly dim?: number;
  readonly seed?: number;
}

const CATEGORIES = ['shoes', 'bags', 'coats', 'shirts', 'watches', 'toys', 'books', 'kitchen'];

/**
 * Items cluster around their category's direction and users lean towards one or two
 * categories, so a user's nearest items are mostly of their favourite categories — the
 * case where a diversity sort changes the page. Vectors are unit length, float32 values.
 */
export function ownData(options: OwnDataOptions = {}): { items: OwnItem[]; users: OwnUser[]; dim: number } {
  const { items = 2000, users = 200, dim = 32, seed = 2024 } = options;
  const next = createRng(seed).next;
  const gauss = (): number => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  const unit = (v: number[]): number[] => {
    const n = Math.hypot(...v) || 1;
    return v.map((x) => Math.fround(x / n));
  };
  const centres = CATEGORIES.map(() => unit(Array.from({ length: dim }, gauss)));
  const near = (mix: readonly [number, number][], noise: number): number[] =>
    unit(Array.from({ length: dim }, (_, d) => mix.reduce((s, [c, w]) => s + w * (centres[c]?.[d] ?? 0), 0) + noise * gauss()));
  const pad = (i: number, width: number): string => String(i).padStart(width, '0');
  const itemRows = Array.from({ length: items }, (_, i): OwnItem => {
    const c = Math.floor(next() * CATEGORIES.length);
    return {
      id: `sku-${pad(i + 1, 5)}`,
      category: CATEGORIES[c] ?? 'other',
      status: next() < 0.15 ? 'off_shelf' : 'on_shelf',
      price: Math.round(Math.exp(2 + 3 * next()) * 100) / 100,
      // Zipf-like: a few items sell a lot.
      popularity: Math.round(10_000 / Math.pow(1 + next() * 200, 1.1)),
      embedding: near([[c, 1]], 0.35),
    };
  });
  const userRows = Array.from({ length: users }, (_, i): OwnUser => {
    const a = Math.floor(next() * CATEGORIES.length);
    const b = Math.floor(next() * CATEGORIES.length);
    return {
      id: `u-${pad(i + 1, 4)}`,
      embedding: near(
        [
          [a, 1],
          [b, 0.6],
        ],
        0.4,
      ),
    };
  });
  return { items: itemRows, users: userRows, dim };
}

function writeJsonLines(path: string, rows: readonly object[]): void {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** The repository root, from dist/tools/ or tools/. */
const ROOT = resolve(fileURLToPath(import.meta.url), fileURLToPath(import.meta.url).includes('/dist/') ? '../../..' : '../..');

/** Writes the data set and the model into `dir`; returns the rows written. */
export function writeOwnData(dir: string, options: OwnDataOptions = {}): ReturnType<typeof ownData> {
  mkdirSync(dir, { recursive: true });
  const data = ownData(options);
  writeJsonLines(join(dir, 'items.jsonl'), data.items);
  writeJsonLines(join(dir, 'users.jsonl'), data.users);
  writeParquet(join(dir, 'items.parquet'), data.items as unknown as readonly Record<string, unknown>[]);
  writeParquet(join(dir, 'users.parquet'), data.users as unknown as readonly Record<string, unknown>[]);
  // Debian's python3-onnx lives in the system interpreter, not in a pyenv or venv one.
  const python = process.env.PAIREC_PYTHON ?? '/usr/bin/python3';
  execFileSync(python, [join(ROOT, 'examples/own-data/make_model.py'), dir, String(data.dim)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return data;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? join(ROOT, 'examples/own-data/data'));
  const data = writeOwnData(dir);
  const off = data.items.filter((i) => i.status === 'off_shelf').length;
  process.stdout.write(`wrote ${data.items.length} items (${off} off shelf), ${data.users.length} users, ranker.onnx into ${dir}\n`);
}
