import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { NameSchema, strict } from '../../config/pipeline-schema.js';

/** PaiRec's TriggerConfig: a user feature naming the user's group; Boundaries bucket a number. */
export const TriggerConfSchema = Type.Object(
  {
    TriggerKey: NameSchema,
    DefaultValue: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    Boundaries: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: 64 })),
  },
  strict,
);
export type TriggerConf = Static<typeof TriggerConfSchema>;

/** Groups a user or item may belong to at most (the product of several multi-valued triggers). */
export const MAX_GROUPS = 16;

/** The trigger used when a UserGroupHotRecall names none: the user's preferred category. */
export const DEFAULT_TRIGGERS: readonly TriggerConf[] = [{ TriggerKey: 'category' }];

/**
 * The bucket of a number by ascending Boundaries: `<b0`, `bi-bj` for bi ≤ n < bj, `>=bn`.
 * Group keys in Redis (and item groups from the catalog) use the same labels.
 */
export function bucketOf(n: number, boundaries: readonly number[]): string {
  const b = [...boundaries].sort((x, y) => x - y);
  const first = b[0] ?? 0;
  if (n < first) return `<${first}`;
  for (let i = 0; i + 1 < b.length; i++) {
    if (n < (b[i + 1] ?? 0)) return `${b[i] ?? 0}-${b[i + 1] ?? 0}`;
  }
  return `>=${b[b.length - 1] ?? 0}`;
}

/**
 * One trigger's values from a feature: a scalar, or several in a comma-separated string
 * (`"cat_1,cat_4"`: the user prefers both) or an array of strings. A number is bucketed
 * when the trigger has Boundaries. Missing → DefaultValue, when `useDefault`.
 */
export function triggerValues(t: TriggerConf, value: unknown, useDefault: boolean): string[] {
  let raw: unknown[];
  if (Array.isArray(value)) raw = value;
  else if (typeof value === 'string') raw = value.split(',');
  else raw = value === undefined || value === null ? [] : [value];
  const out: string[] = [];
  for (const v of raw) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
    const s = String(v).trim();
    if (s === '') continue;
    const n = typeof v === 'number' ? v : Number(s);
    out.push(t.Boundaries && Number.isFinite(n) ? bucketOf(n, t.Boundaries) : s);
  }
  if (out.length === 0 && useDefault && t.DefaultValue !== undefined) out.push(t.DefaultValue);
  return [...new Set(out)];
}

/**
 * Group ids of a user (or item): each trigger's values, combined across triggers and
 * joined by "_" (`cat_1_male`), at most MAX_GROUPS. A trigger without a value → no group.
 */
export function groupsOf(triggers: readonly TriggerConf[], get: (key: string) => unknown, useDefault: boolean): string[] {
  let groups = [''];
  for (const t of triggers) {
    const values = triggerValues(t, get(t.TriggerKey), useDefault);
    const next: string[] = [];
    for (const g of groups) for (const v of values) if (next.length < MAX_GROUPS) next.push(g === '' ? v : `${g}_${v}`);
    groups = next;
  }
  return groups;
}
