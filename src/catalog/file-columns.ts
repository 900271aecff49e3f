/**
 * Rows of a catalog file turned into columns: ids, one Float32Array of embeddings and one
 * typed column per other field. Every row is checked as it arrives; a bad one names the
 * file, the line or row and the field, and rejects the load unless `maxBadRows` allows
 * skipping it (then counted). Nothing becomes a silent zero.
 */
import { PairecError } from '../errors.js';
import { parseEmbeddingText } from './file-values.js';
import { scalarOf, typedColumn } from './typed-columns.js';
import type { FieldColumn, RawScalar } from './typed-columns.js';

/** Where a row came from: a line of a text file, a row of a Parquet file (1-based). */
export interface RowPlace {
  readonly unit: 'line' | 'row';
  readonly at: number;
}

export interface SideSpec {
  readonly file: string;
  readonly idField: string;
  readonly embeddingField: string;
  /** CSV: every value is text, numbers and booleans are recognised and embeddings split. */
  readonly textual: boolean;
  /** A string embedding is split as text even when other values are typed (a table's text column). */
  readonly embeddingText?: boolean;
  readonly maxBadRows: number;
  /** Required embedding width (the items' width when reading users); else the first row's. */
  readonly dim?: number;
}

export interface SideColumns {
  readonly dim: number;
  readonly ids: string[];
  readonly embeddings: Float32Array;
  readonly fields: ReadonlyMap<string, FieldColumn>;
  /** Rows skipped under maxBadRows, with the first reasons. */
  readonly skipped: number;
  readonly skippedReasons: readonly string[];
}

/** A bad row: the message names file, line or row and field. */
export class BadRowError extends PairecError {
  constructor(spec: SideSpec, place: RowPlace, field: string, why: string) {
    super('ERR_DATA_INVALID', `${spec.file}: ${place.unit} ${place.at}: field "${field}": ${why}`, { path: field });
    this.name = 'BadRowError';
  }
}

export class ColumnsBuilder {
  readonly #spec: SideSpec;
  #dim: number | undefined;
  /** Where the width came from, for the message of a row that differs. */
  #dimFrom: string;
  #embeddings = new Float32Array(0);
  readonly #ids: string[] = [];
  readonly #firstSeen = new Map<string, number>();
  readonly #raw = new Map<string, RawScalar[]>();
  #skipped = 0;
  readonly #reasons: string[] = [];

  constructor(spec: SideSpec) {
    this.#spec = spec;
    this.#dim = spec.dim;
    this.#dimFrom = "the items' width";
  }

  /** Checks and appends one row; a bad one throws BadRowError or is counted as skipped. */
  add(values: Readonly<Record<string, unknown>>, place: RowPlace): void {
    try {
      this.#add(values, place);
    } catch (err) {
      if (!(err instanceof BadRowError) || this.#skipped >= this.#spec.maxBadRows) throw err;
      this.#skipped++;
      if (this.#reasons.length < 5) this.#reasons.push(err.message);
    }
  }

  /** A row that could not even be parsed (broken JSON): bad as a whole. */
  reject(place: RowPlace, why: string): void {
    const err = new BadRowError(this.#spec, place, '*', why);
    if (this.#skipped >= this.#spec.maxBadRows) throw err;
    this.#skipped++;
    if (this.#reasons.length < 5) this.#reasons.push(err.message);
  }

  #add(values: Readonly<Record<string, unknown>>, place: RowPlace): void {
    const { idField, embeddingField, textual } = this.#spec;
    const id = this.#id(Object.hasOwn(values, idField) ? values[idField] : undefined, place);
    const raw = Object.hasOwn(values, embeddingField) ? values[embeddingField] : undefined;
    const vector = this.#vector(raw, place);
    // Scalars are checked before anything is stored, so a skipped row leaves no trace.
    const scalars: [string, RawScalar][] = [];
    for (const name of Object.keys(values)) {
      if (name === idField || name === embeddingField) continue;
      // Row objects are built with these names as keys: "__proto__" would set a prototype.
      if (name === '__proto__') throw new BadRowError(this.#spec, place, name, 'forbidden field name');
      const s = scalarOf(values[name], textual);
      if (s.bad !== undefined) throw new BadRowError(this.#spec, place, name, s.bad);
      scalars.push([name, s.value]);
    }
    const first = this.#firstSeen.get(id);
    if (first !== undefined) throw new BadRowError(this.#spec, place, idField, `duplicate id "${id}" (first at ${place.unit} ${first})`);
    const row = this.#ids.length;
    this.#firstSeen.set(id, place.at);
    this.#ids.push(id);
    this.#store(vector, row);
    for (const [name, value] of scalars) {
      let column = this.#raw.get(name);
      if (!column) {
        column = new Array<RawScalar>(row).fill(null);
        this.#raw.set(name, column);
      }
      column[row] = value;
    }
  }

  #id(v: unknown, place: RowPlace): string {
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    if (typeof v === 'bigint') return v.toString();
    const why = v === undefined || v === null || v === '' ? 'missing id' : `id must be a string, got ${typeof v}`;
    throw new BadRowError(this.#spec, place, this.#spec.idField, why);
  }

  #vector(v: unknown, place: RowPlace): ArrayLike<number> {
    const field = this.#spec.embeddingField;
    const bad = (why: string): never => {
      throw new BadRowError(this.#spec, place, field, why);
    };
    let vector: ArrayLike<unknown>;
    if (v === undefined || v === null || v === '') return bad('missing embedding');
    if (typeof v === 'string' && (this.#spec.textual || this.#spec.embeddingText === true)) {
      const parsed = parseEmbeddingText(v);
      if (typeof parsed === 'string') return bad(parsed);
      vector = parsed;
    } else if (Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array) vector = v as ArrayLike<unknown>;
    else return bad(`embedding must be a number array, got ${typeof v}`);
    if (vector.length === 0) return bad('empty embedding');
    if (this.#dim !== undefined && vector.length !== this.#dim) return bad(`embedding has ${vector.length} values, expected ${this.#dim} (${this.#dimFrom})`);
    for (let i = 0; i < vector.length; i++) {
      const x = vector[i];
      if (typeof x !== 'number' || !Number.isFinite(x))
        return bad(`embedding value ${i} is ${typeof x === 'number' ? String(x) : typeof x}, not a finite number`);
      // A float64 beyond float32's range would become Infinity in the matrix.
      if (!Number.isFinite(Math.fround(x))) return bad(`embedding value ${i} overflows float32`);
    }
    if (this.#dim === undefined) this.#dimFrom = `the width of ${place.unit} ${place.at}`;
    return vector as ArrayLike<number>;
  }

  #store(vector: ArrayLike<number>, row: number): void {
    const dim = (this.#dim ??= vector.length);
    if ((row + 1) * dim > this.#embeddings.length) {
      const grown = new Float32Array(Math.max(1024 * dim, this.#embeddings.length * 2));
      grown.set(this.#embeddings);
      this.#embeddings = grown;
    }
    // A loop, not set(): set() from a plain array took ≈ 300 ns a value (a generic path).
    const out = this.#embeddings;
    const base = row * dim;
    for (let i = 0; i < dim; i++) out[base + i] = vector[i] ?? 0; // length checked: never the 0
  }

  finish(): SideColumns {
    const rows = this.#ids.length;
    if (rows === 0) {
      throw new PairecError('ERR_DATA_INVALID', `${this.#spec.file}: no usable row${this.#skipped > 0 ? ` (${this.#skipped} skipped)` : ''}`);
    }
    const dim = this.#dim ?? 0;
    const fields = new Map<string, FieldColumn>();
    for (const [name, values] of this.#raw) {
      if (values.length < rows) values.length = rows; // rows after the last that named it
      fields.set(name, typedColumn(values, this.#spec.textual));
    }
    return {
      dim,
      ids: this.#ids,
      embeddings: this.#embeddings.slice(0, rows * dim), // exact size: the spare growth is freed
      fields,
      skipped: this.#skipped,
      skippedReasons: this.#reasons,
    };
  }
}
