import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { IGNORED_KEYS } from '../../src/config/compatibility.js';
import { ConfigSchema } from '../../src/config/schema.js';
import {
  PAIREC_ALGO_TYPES,
  PAIREC_FILTER_TYPES,
  PAIREC_RECALL_TYPES,
  PAIREC_SORT_TYPES,
  PAIREC_TOP_LEVEL_KEYS,
  PAIREC_UNSUPPORTED_KEYS,
} from '../../src/config/pairec-names.js';
import { createDefaultPipelineTypes } from '../../src/pipeline/types.js';
import { nestedKeyRows } from '../../src/config/pairec-nested-forms.js';
import { stageKeysOf } from '../../src/config/stage-confs.js';
import { page, table } from './markdown.js';

const HONOURED = 'honoured';

/** Where an honoured key reads differently from PaiRec's, said beside it. */
const NOTES: Readonly<Record<string, string>> = {
  ListenConf: '`HttpAddr`, `HttpPort`; `ApiMode: "pairec"` answers with PaiRec\'s HTTP API ([api.md](api.md))',
  LogConf: '`LogLevel` in any case; `RetensionDays`, `DiskSize` accepted and ignored (logs go to stdout)',
  ABTestConf:
    "this engine's experiments (`Layers`, or a set served at `Remote.Url`: [experiments.md](experiments.md)); PaiRec's A/B platform `Host`/`Token`: accepted empty, not supported when given",
  FilterNames: '`default`: the list of every scene that names none',
  SortNames: '`default`: the list of every scene that names none',
};
const NOT_SUPPORTED = 'not supported: an error where the config uses it';

/** What the loader does with each top-level key of PaiRec's RecommendConfig, from the tables it loads with. */
export function topLevelRows(): string[][] {
  const ours = new Set(Object.keys(ConfigSchema.properties));
  const ignored = new Map(IGNORED_KEYS.map((k) => [k.key, k.why]));
  return PAIREC_TOP_LEVEL_KEYS.map((key) => {
    if (PAIREC_UNSUPPORTED_KEYS.includes(key))
      return [`\`${key}\``, NOT_SUPPORTED, 'left empty (`{}`, `[]`, `""`, null): dropped and named in the load\'s warning'];
    const why = ignored.get(key);
    if (why !== undefined) return [`\`${key}\``, 'accepted and ignored (one warning)', why];
    if (ours.has(key)) return [`\`${key}\``, HONOURED, NOTES[key] ?? '[reference](reference/config.md)'];
    return [`\`${key}\``, 'unknown key', ''];
  });
}

/** Where a registered type reads differently from PaiRec's type of the same name. */
const TYPE_NOTES: Readonly<Record<string, string>> = {
  UserCollaborativeFilterRecall:
    "honoured (`UserCollaborativeDaoConf`, `AdapterType` redis | hologres | mysql, PaiRec's tables; `Normalization` as PaiRec); differs in that the user's own items are left out and the first `TriggerCount` triggers are read instead of a random half-shuffle",
  ItemCollaborativeFilterRecall:
    "honoured: the neighbours of the request's `item_id` (`ItemCollaborativeDaoConf`, redis | hologres | mysql); a request without `item_id` gets nothing from it. Migration: this engine once read the user's history under this name — an entry still giving `UserCollaborativeDaoConf` is refused at load, pointing to `UserCollaborativeFilterRecall`",
};

/** PaiRec's type names of one kind against what this engine registers. */
function typeRows(kind: string, names: readonly string[], has: (name: string) => boolean): string[][] {
  return names.map((n) => [kind, `\`${n}\``, has(n) ? (TYPE_NOTES[n] ?? HONOURED) : 'not supported (`ERR_CONFIG_NOT_SUPPORTED` at its path)']);
}

export function pairecReference(): string {
  const algorithms = createDefaultRegistry();
  const stages = createDefaultPipelineTypes();
  const types = [
    ...typeRows('algorithm', PAIREC_ALGO_TYPES, (n) => algorithms.getType(n) !== undefined),
    ...typeRows('recall', PAIREC_RECALL_TYPES, (n) => stages.recall.has(n)),
    ...typeRows('filter', PAIREC_FILTER_TYPES, (n) => stages.filter.has(n)),
    ...typeRows('sort', PAIREC_SORT_TYPES, (n) => stages.sort.has(n)),
  ];
  const ignored = new Set(IGNORED_KEYS.map((k) => k.key));
  const rows = nestedKeyRows(ignored, stageKeysOf({ recallTypes: stages.recall, filterTypes: stages.filter, sortTypes: stages.sort }));
  const blocks = rows.map((r) => [`\`${r.at}.${r.key}\``, `\`${r.struct}\``, r.here]);
  const nested = IGNORED_KEYS.filter((k) => k.key.includes('.')).map((k) => [`\`${k.key}\``, k.why]);
  const body = [
    "Moving a PaiRec config: what the loader does with each of PaiRec's keys and type names. How PaiRec's",
    'forms are read (`FilterNames.default`, `LogLevel: "INFO"`, empty blocks):',
    "[configuration.md](configuration.md#pairec-configs); PaiRec's HTTP API: [api.md](api.md); check a config",
    'with `pairec validate --config FILE`.',
    '',
    "## Top-level keys of PaiRec's RecommendConfig",
    '',
    table(['key', 'here', 'note'], topLevelRows()),
    '',
    '## Type names',
    '',
    table(['kind', 'PaiRec name', 'here'], types),
    '',
    '## Keys below the top level',
    '',
    "Every field of PaiRec's config structs for these blocks (`PAIREC_NESTED_BLOCKS` in",
    '`src/config/pairec-nested.ts`). "Not supported where set": a config that leaves the key at',
    'PaiRec\'s empty value (`""`, 0, false, `[]`, `{}`, `["none"]`) loads, the key named in the load\'s',
    'warning; a config that sets it is refused with `ERR_CONFIG_NOT_SUPPORTED` at its JSON path. A',
    'key PaiRec does not have either is an unknown key (`ERR_CONFIG_INVALID`).',
    '',
    table(['key', 'PaiRec struct', 'here'], blocks),
    '',
    '## Nested keys accepted and ignored',
    '',
    table(['key', 'why'], nested),
  ].join('\n');
  return page(
    'PaiRec migration',
    '`PAIREC_TOP_LEVEL_KEYS`, `PAIREC_UNSUPPORTED_KEYS`, the PaiRec type lists in `src/config/pairec-names.ts`, `PAIREC_NESTED_BLOCKS` in `src/config/pairec-nested.ts`, `IGNORED_KEYS` in `src/config/compatibility.ts` and the registered types',
    body,
  );
}
