import { pathFromSegments } from './json-path.js';

/** A block the config defines and nothing in it names: valid, but likely a leftover or a typo elsewhere. */
export interface UnusedBlock {
  readonly path: string;
  readonly message: string;
}

/** Lists of named entries, and what names them. */
const NAMED_LISTS: readonly { readonly key: string; readonly what: string }[] = [
  { key: 'AlgoConfs', what: 'algorithm' },
  { key: 'RecallConfs', what: 'recall' },
  { key: 'FilterConfs', what: 'filter' },
  { key: 'SortConfs', what: 'sort' },
];

/** Maps of connections by name. */
const NAMED_MAPS: readonly { readonly key: string; readonly what: string }[] = [
  { key: 'RedisConfs', what: 'Redis' },
  { key: 'HologresConfs', what: 'Hologres database' },
  { key: 'MysqlConfs', what: 'MySQL database' },
];

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Every word the config mentions outside the definitions themselves: each string value,
 * its identifier-like parts (names inside expressions such as RankScore), and each key.
 * Generous on purpose: a name mentioned anywhere counts as used, so the warning is never
 * about a block something does use.
 */
function mentions(raw: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const addText = (s: string): void => {
    out.add(s);
    for (const part of s.split(/[^\w.:-]+/)) out.add(part);
    for (const part of s.split(/\W+/)) out.add(part);
  };
  const walk = (v: unknown, definition: boolean): void => {
    if (typeof v === 'string') addText(v);
    else if (Array.isArray(v)) v.forEach((e) => walk(e, false));
    else if (isRecord(v)) {
      for (const [k, child] of Object.entries(v)) {
        if (definition && k === 'Name') continue; // an entry's own name is not a use of it
        out.add(k);
        walk(child, false);
      }
    }
  };
  for (const [key, value] of Object.entries(raw)) {
    if (NAMED_LISTS.some((l) => l.key === key) && Array.isArray(value)) value.forEach((e) => walk(e, true));
    else if (NAMED_MAPS.some((m) => m.key === key) && isRecord(value)) Object.values(value).forEach((e) => walk(e, false));
    else walk(value, false);
  }
  return out;
}

/**
 * Named blocks (AlgoConfs, RecallConfs, FilterConfs, SortConfs entries; RedisConfs,
 * HologresConfs, MysqlConfs entries) that nothing else in the config names. Not an
 * error: serve loads them (an unused algorithm is still built), so `pairec validate`
 * reports them as warnings.
 */
export function unusedBlocks(raw: unknown): UnusedBlock[] {
  if (!isRecord(raw)) return [];
  const used = mentions(raw);
  const out: UnusedBlock[] = [];
  for (const { key, what } of NAMED_LISTS) {
    const list = raw[key];
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      const name = isRecord(entry) ? entry.Name : undefined;
      if (typeof name !== 'string' || used.has(name)) return;
      out.push({ path: pathFromSegments([key, i]), message: `${what} "${name}" is defined but nothing in the config names it` });
    });
  }
  for (const { key, what } of NAMED_MAPS) {
    const map = raw[key];
    if (!isRecord(map)) continue;
    for (const name of Object.keys(map)) {
      if (used.has(name)) continue;
      out.push({ path: pathFromSegments([key, name]), message: `${what} "${name}" is defined but nothing in the config names it` });
    }
  }
  return out;
}

/**
 * Names of the `key` list's entries (AlgoConfs…) that nothing outside that list names: a
 * stricter test than unusedBlocks, for deciding to leave an entry out (an algorithm's
 * own Url often ends with its name, which is not a use of it).
 */
export function namedNowhereElse(raw: unknown, key: string): Set<string> {
  if (!isRecord(raw)) return new Set();
  const list = raw[key];
  const used = mentions(Object.fromEntries(Object.entries(raw).filter(([k]) => k !== key)));
  const out = new Set<string>();
  if (!Array.isArray(list)) return out;
  for (const entry of list) {
    const name = isRecord(entry) ? entry.Name : undefined;
    if (typeof name === 'string' && !used.has(name)) out.add(name);
  }
  return out;
}
