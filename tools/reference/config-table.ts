import { Kind, OptionalKind, Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from '../../src/config/schema.js';
import { IGNORED_KEYS } from '../../src/config/compatibility.js';
import { page, table } from './markdown.js';
import { createDefaultPipelineTypes } from '../../src/pipeline/types.js';
import type { StageTypeInfo } from '../../src/types/stage-type.js';

export interface ConfigRow {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly bounds: string;
}

type Schema = TSchema & Record<string, unknown>;
const code = (v: unknown): string => `\`${JSON.stringify(v)}\``;

/** The type of a schema in a few words: literals of a union listed, arrays and maps named. */
function typeOf(s: Schema): string {
  const kind = String(s[Kind]);
  if (kind === 'Union') {
    const members = (s.anyOf as Schema[]).map((m) => ('const' in m ? code(m.const) : typeOf(m)));
    return members.join(' | ');
  }
  if (kind === 'Literal') return code(s.const);
  if (kind === 'Array') return `array of ${typeOf(s.items as Schema)}`;
  if (kind === 'Record') return 'map by name';
  if (kind === 'Object') return 'object';
  return typeof s.type === 'string' ? s.type : kind.toLowerCase();
}

const BOUNDS: readonly [string, string][] = [
  ['minimum', '≥'],
  ['exclusiveMinimum', '>'],
  ['maximum', '≤'],
  ['exclusiveMaximum', '<'],
  ['minLength', 'length ≥'],
  ['maxLength', 'length ≤'],
  ['minItems', 'items ≥'],
  ['maxItems', 'items ≤'],
  ['minProperties', 'entries ≥'],
  ['maxProperties', 'entries ≤'],
  ['pattern', 'matches'],
];
function boundsOf(s: Schema): string {
  return BOUNDS.filter(([k]) => s[k] !== undefined)
    .map(([k, sign]) => `${sign} ${k === 'pattern' ? code(s[k]) : String(s[k])}`)
    .join(', ');
}

/**
 * Every config key of the schema with its type, default and bounds, depth first in the
 * schema's order. Arrays of objects and maps by name show their entries' keys under
 * `Key[].` and `Key.<name>.`.
 */
export function configRows(schema: TSchema = ConfigSchema, prefix = ''): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const walk = (s: Schema, path: string): void => {
    const kind = String(s[Kind]);
    if (path !== '') {
      const optional = s[OptionalKind] === 'Optional';
      const def = s.default !== undefined ? code(s.default) : optional ? 'none (optional)' : 'required';
      rows.push({ key: path, type: typeOf(s), default: def, bounds: boundsOf(s) });
    }
    if (kind === 'Object') {
      for (const [name, child] of Object.entries(s.properties as Record<string, Schema>)) walk(child, path === '' ? `${prefix}${name}` : `${path}.${name}`);
    } else if (kind === 'Array' && String((s.items as Schema)[Kind]) === 'Object') {
      for (const [name, child] of Object.entries((s.items as Schema).properties as Record<string, Schema>)) walk(child, `${path}[].${name}`);
    } else if (kind === 'Record') {
      const value = Object.values(s.patternProperties as Record<string, Schema>)[0];
      if (value !== undefined && String(value[Kind]) === 'Object') {
        for (const [name, child] of Object.entries(value.properties as Record<string, Schema>)) walk(child, `${path}.<name>.${name}`);
      }
    }
  };
  walk(schema as Schema, '');
  return rows;
}

/** The keys each built-in recall, filter and sort type adds to its entry (its definition's `keys`), as `FilterConfs[AdjustCountFilter].RetainNum`. */
export function typeKeyRows(): ConfigRow[] {
  const kinds = createDefaultPipelineTypes();
  const blocks: [string, readonly StageTypeInfo<never>[]][] = [
    ['RecallConfs', kinds.recall.types()],
    ['FilterConfs', kinds.filter.types()],
    ['SortConfs', kinds.sort.types()],
  ];
  return blocks.flatMap(([block, types]) => types.flatMap((t) => (t.keys ? configRows(Type.Object(t.keys), `${block}[${t.type}].`) : [])));
}

export function configReference(): string {
  const cells = (r: ConfigRow): string[] => [`\`${r.key}\``, r.type, r.default, r.bounds];
  const rows = configRows().map(cells);
  const typeRows = typeKeyRows().map(cells);
  const byType = `## Keys of each recall, filter and sort type\n\nAn entry of RecallConfs, FilterConfs or SortConfs takes the keys above plus those of its type (\`keys\` of its definition in \`src/pipeline/recall\`, \`filter\`, \`sort\`); a key of another type is refused as not applying to it.\n\n${table(['key', 'type', 'default', 'bounds'], typeRows)}`;
  const ignored = IGNORED_KEYS.map((k) => [`\`${k.key}\``, k.why]);
  const compat = `## Accepted and ignored\n\nValidated, then without effect (\`IGNORED_KEYS\` in \`src/config/compatibility.ts\`); a config that sets one is loaded with one warning naming them.\n\n${table(['key', 'why'], ignored)}`;
  return page(
    'Config keys',
    '`ConfigSchema` in `src/config/schema.ts`',
    `What each key means: [configuration.md](../configuration.md).\n\n${table(['key', 'type', 'default', 'bounds'], rows)}\n\n${byType}\n\n${compat}`,
  );
}
