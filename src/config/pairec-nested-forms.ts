import { PairecError } from '../errors.js';
import { pathFromSegments } from './json-path.js';
import { PAIREC_ADAPTERS, PAIREC_NESTED_BLOCKS } from './pairec-nested.js';
import type { PaiRecBlock } from './pairec-nested.js';
import { ConfigSchema } from './schema.js';
import type { StageKeys } from './stage-confs.js';

type Segment = string | number;
type Node = Record<string, unknown>;
const isRecord = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * PaiRec's "left at its empty value": Go's zero value of the field (`""`, 0, false, null,
 * `[]`, `{}`, an object of zero values), or `["none"]`, PaiRec's spelling of "no features"
 * in ContextFeatures. A config that leaves a key so does not use the feature.
 */
export function isZeroValue(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.every((e) => e === 'none');
  return isRecord(v) && Object.values(v).every(isZeroValue);
}

/**
 * The schema's object at a block's place, if the schema has one there. A recall, filter
 * or sort entry has its kind's common keys plus every registered type's own (`stage`).
 */
function schemaAt(at: string, stage: StageKeys): Node | undefined {
  let s: Node | undefined = ConfigSchema as unknown as Node;
  let top = true;
  for (const part of at.split('.')) {
    const list = part.endsWith('[]');
    const key = list ? part.slice(0, -2) : part;
    if (s === undefined) return undefined;
    if (key === '<name>') {
      const pattern: unknown = s.patternProperties;
      s = isRecord(pattern) ? (Object.values(pattern)[0] as Node | undefined) : undefined;
    } else {
      const props: unknown = s.properties;
      s = isRecord(props) && isRecord(props[key]) ? props[key] : undefined;
    }
    if (list) s = s && isRecord(s.items) ? s.items : undefined;
    if (top && s !== undefined && Object.hasOwn(stage, key)) s = { ...s, properties: { ...(s.properties as Node), ...stage[key as keyof StageKeys] } };
    top = false;
  }
  return s;
}

/** Every instance of a block in `raw`, with its path. */
function instances(raw: unknown, at: string): { node: Node; path: Segment[] }[] {
  let found: { value: unknown; path: Segment[] }[] = [{ value: raw, path: [] }];
  for (const part of at.split('.')) {
    const list = part.endsWith('[]');
    const key = list ? part.slice(0, -2) : part;
    found = found.flatMap(({ value, path }) => {
      if (!isRecord(value)) return [];
      if (key === '<name>') return Object.entries(value).map(([k, v]) => ({ value: v, path: [...path, k] }));
      return Object.hasOwn(value, key) ? [{ value: value[key], path: [...path, key] }] : [];
    });
    if (list) found = found.flatMap(({ value, path }) => (Array.isArray(value) ? value.map((v: unknown, i) => ({ value: v, path: [...path, i] })) : []));
  }
  return found.filter((f): f is { value: Node; path: Segment[] } => isRecord(f.value)).map((f) => ({ node: f.value, path: f.path }));
}

/** PaiRec's condition Type: the Value is read as that type (PaiRec converts it before comparing). */
const CONDITION_TYPES: Readonly<Record<string, (v: unknown) => unknown>> = {
  string: (v) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v),
  int: (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Math.trunc(Number(v)) : v),
  int64: (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Math.trunc(Number(v)) : v),
  float: (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
  float64: (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
};

/**
 * A condition's Domain and Type (PaiRec's FilterParamConfig), brought to this engine's
 * form: Domain "item" (PaiRec's default) is what a condition tests here, so it is
 * dropped; "user" is not supported. Type converts the Value, then is dropped.
 */
function conditionForms(node: Node, path: Segment[], schema: Node | undefined, domain: 'item' | 'user', problems: PairecError[]): void {
  const props = isRecord(schema?.properties) ? schema.properties : {};
  if (Object.hasOwn(node, 'Domain') && !Object.hasOwn(props, 'Domain')) {
    const at = pathFromSegments([...path, 'Domain']);
    if (node.Domain === 'user' && domain === 'item') {
      problems.push(
        new PairecError(
          'ERR_CONFIG_NOT_SUPPORTED',
          `${at}: a condition on the user's features is not supported; conditions here test item properties (a per-user rule: an experiment or scene of its own, or User2ItemCustomFilter)`,
          { path: at },
        ),
      );
    } else if (node.Domain === 'item' && domain === 'user') {
      problems.push(
        new PairecError('ERR_CONFIG_NOT_SUPPORTED', `${at}: these conditions test the user's features; "item" is not supported here`, { path: at }),
      );
    } else if (node.Domain !== 'item' && node.Domain !== 'user' && node.Domain !== '') {
      problems.push(new PairecError('ERR_CONFIG_INVALID', `${at}: must be "item" or "user"`, { path: at }));
    }
    delete node.Domain;
  }
  if (Object.hasOwn(node, 'Type') && !Object.hasOwn(props, 'Type')) {
    const at = pathFromSegments([...path, 'Type']);
    const convert = typeof node.Type === 'string' ? CONDITION_TYPES[node.Type] : undefined;
    if (convert) {
      if (Array.isArray(node.Value)) node.Value = node.Value.map(convert);
      else if (node.Value !== undefined) node.Value = convert(node.Value);
    } else if (node.Type !== '') {
      problems.push(new PairecError('ERR_CONFIG_INVALID', `${at}: must be one of ${Object.keys(CONDITION_TYPES).join(', ')}`, { path: at }));
    }
    delete node.Type;
  }
}

/** What the nested forms came to: keys left empty (dropped, warned) and keys used that are not supported. */
export interface NestedForms {
  readonly empty: string[];
  readonly problems: PairecError[];
}

/** The literals a schema allows, or undefined when it is not a choice of literals. */
function literals(s: unknown): unknown[] | undefined {
  if (!isRecord(s)) return undefined;
  if (Object.hasOwn(s, 'const')) return [s.const];
  return Array.isArray(s.anyOf) ? s.anyOf.map((m: unknown) => (isRecord(m) ? m.const : undefined)) : undefined;
}

/** A DAO on a PaiRec adapter this DAO cannot read here (TableStore, FeatureStore…): not supported, not a typo. */
function adapterForm(node: Node, path: Segment[], props: Node, block: PaiRecBlock, problems: PairecError[]): void {
  const adapter = node.AdapterType;
  const allowed = literals(props.AdapterType);
  if (typeof adapter !== 'string' || !PAIREC_ADAPTERS.includes(adapter) || allowed === undefined || allowed.includes(adapter)) return;
  const at = pathFromSegments([...path, 'AdapterType']);
  problems.push(
    new PairecError('ERR_CONFIG_NOT_SUPPORTED', `${at}: PaiRec's "${adapter}" data source is not supported here (${allowed.join(', ')}); ${block.instead}`, {
      path: at,
    }),
  );
}

function blockForms(config: Node, block: PaiRecBlock, stage: StageKeys, out: NestedForms): void {
  const schema = schemaAt(block.at, stage);
  const props = isRecord(schema?.properties) ? schema.properties : undefined;
  if (props === undefined) return;
  for (const { node, path } of instances(config, block.at)) {
    if (block.struct === 'FilterParamConfig') conditionForms(node, path, schema, block.domain ?? 'item', out.problems);
    if (block.keys.includes('AdapterType')) adapterForm(node, path, props, block, out.problems);
    for (const key of Object.keys(node)) {
      if (Object.hasOwn(props, key) || !block.keys.includes(key)) continue;
      const at = pathFromSegments([...path, key]);
      if (isZeroValue(node[key])) out.empty.push(at.slice(2));
      else {
        const instead = block.insteadOf?.[key] ?? block.instead;
        out.problems.push(
          new PairecError('ERR_CONFIG_NOT_SUPPORTED', `${at}: PaiRec key "${key}" (${block.struct}) is not supported here; ${instead}`, { path: at }),
        );
      }
      delete node[key];
    }
  }
}

/**
 * Brings PaiRec's keys below the top level (PAIREC_NESTED_BLOCKS) to this engine's form
 * in `config`, a private copy of the file's JSON: keys this engine does not have are
 * dropped, reported as not supported where set, named as empty where left empty.
 */
export function normaliseNestedForms(config: Node, stage: StageKeys): NestedForms {
  const out: NestedForms = { empty: [], problems: [] };
  for (const block of PAIREC_NESTED_BLOCKS) blockForms(config, block, stage, out);
  return out;
}

/** The honoured-or-not verdict of each PaiRec key of a block, for the docs. */
export function nestedKeyRows(ignored: ReadonlySet<string>, stage: StageKeys): { at: string; struct: string; key: string; here: string }[] {
  return PAIREC_NESTED_BLOCKS.flatMap((block) => {
    const props = schemaAt(block.at, stage)?.properties;
    return block.keys.map((key) => {
      const path = `${block.at}.${key}`;
      let here: string;
      if (block.struct === 'FilterParamConfig' && (key === 'Domain' || key === 'Type') && !(isRecord(props) && Object.hasOwn(props, key))) {
        here =
          key === 'Domain'
            ? 'honoured for `"item"` (what a condition tests here); `"user"` not supported'
            : 'honoured: the `Value` is read as that type (`string`, `int`, `int64`, `float`, `float64`)';
      } else if (ignored.has(path)) here = 'accepted and ignored (one warning)';
      else if (isRecord(props) && Object.hasOwn(props, key)) here = 'honoured';
      else here = `not supported where set: ${block.insteadOf?.[key] ?? block.instead}`;
      return { at: block.at, struct: block.struct, key, here };
    });
  });
}
