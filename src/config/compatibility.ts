import type { Logger } from 'pino';
import { emptyPaiRecBlocksIn } from './pairec-forms.js';
import type { StageKeys } from './stage-confs.js';

/**
 * Keys a config may carry for compatibility (PaiRec's config, the spec's blocks) that this
 * engine validates and then ignores, each with why. The one table of them: the schema
 * still accepts each key (a PaiRec config loads unchanged), the load warns once about those
 * a config sets, and docs/reference/config.md lists them from here.
 *
 * A path is written as docs/reference/config.md writes keys: `.` between keys, `<name>`
 * for any key of a map by name.
 */
export interface IgnoredKey {
  readonly key: string;
  readonly why: string;
}

export const IGNORED_KEYS: readonly IgnoredKey[] = [
  {
    key: 'RunMode',
    why: "PaiRec's daily/product switch chose its config source and log output; here the config file is given by --config and logs go to stdout in every mode",
  },
  {
    key: 'Region',
    why: 'PaiRec reads the cloud region for its Alibaba Cloud clients; no setting here depends on a region (each backend is addressed by its own URL or DSN)',
  },
  {
    key: 'LogConf.RetensionDays',
    why: 'logs are JSON lines on stdout: retention belongs to whatever collects them (journald, the container runtime, a log shipper)',
  },
  {
    key: 'LogConf.DiskSize',
    why: 'no log file is written: logs are JSON lines on stdout, bounded by whatever collects them',
  },
  {
    key: 'LogConf.Output',
    why: 'logs are JSON lines on stdout in every case ("console"); no log file is written ("file")',
  },
  {
    key: 'RecallConfs[].CacheAdapter',
    why: "recall results are not cached: each request recalls afresh, so the items are the same as PaiRec's and never staler; only the backends' load differs",
  },
  {
    key: 'RecallConfs[].CacheConfig',
    why: 'recall results are not cached (see CacheAdapter)',
  },
  {
    key: 'RecallConfs[].CachePrefix',
    why: 'recall results are not cached (see CacheAdapter)',
  },
  {
    key: 'RecallConfs[].CacheTime',
    why: 'recall results are not cached (see CacheAdapter)',
  },
  {
    key: 'SortConfs[].Debug',
    why: "PaiRec keeps the score before a boost as the item property org_score for debugging; the request's `explain` flag shows each stage's scores here (docs/operations/console.md)",
  },
  {
    key: 'RankConf.<name>.Processor',
    why: "the request format of a rank call is each algorithm's own (EasConf.Processor), so the scene's copy of it has nothing to choose",
  },
  {
    key: 'performance.enable_pooling',
    why: 'connections to remote backends are reused per optimization.enable_keep_alive and optimization.max_idle_connections; ONNX input buffers are always pooled, one per run in progress',
  },
  {
    key: 'monitoring.metrics_interval_seconds',
    why: "nothing is sampled or pushed on a timer: metrics are read when Prometheus scrapes, so the interval is Prometheus' scrape_interval",
  },
  {
    key: 'RedisConfs.<name>.MaxIdle',
    why: 'each RedisConfs entry is one multiplexed connection (ioredis), not a pool',
  },
  {
    key: 'RedisConfs.<name>.WriteTimeout',
    why: 'ReadTimeout bounds each command end to end, writing included; ioredis has no separate write timeout',
  },
];

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The concrete paths of `pattern` present in `raw` (`<name>` matching every key of a map, `Key[]` every entry of a list). */
function present(raw: unknown, pattern: readonly string[], prefix: string): string[] {
  const [head, ...rest] = pattern;
  if (head === undefined) return [prefix];
  if (!isRecord(raw)) return [];
  const list = head.endsWith('[]');
  const key = list ? head.slice(0, -2) : head;
  const keys = key === '<name>' ? Object.keys(raw) : Object.hasOwn(raw, key) ? [key] : [];
  return keys.flatMap((k) => {
    const at = prefix === '' ? k : `${prefix}.${k}`;
    const value = raw[k];
    if (!list) return present(value, rest, at);
    return Array.isArray(value) ? value.flatMap((e: unknown, i) => present(e, rest, `${at}[${i}]`)) : [];
  });
}

/** The ignored keys a config as written (before defaults) sets, as concrete paths. */
export function ignoredKeysIn(raw: unknown): string[] {
  return IGNORED_KEYS.flatMap((k) => present(raw, k.key.split('.'), ''));
}

/**
 * One warning for the whole config: the keys it sets that have no effect here, so an
 * operator who tunes one learns it does nothing instead of measuring no change.
 */
export function warnIgnoredKeys(raw: unknown, logger: Pick<Logger, 'warn'>, stage: StageKeys): void {
  const empty = emptyPaiRecBlocksIn(raw, stage);
  if (empty.length > 0) {
    logger.warn(
      { emptyBlocks: empty },
      `PaiRec blocks and keys of features not supported here, left empty and ignored: ${empty.join(', ')} (docs/configuration.md, "PaiRec configs")`,
    );
  }
  const keys = ignoredKeysIn(raw);
  if (keys.length === 0) return;
  logger.warn(
    { ignoredKeys: keys },
    `config keys accepted for compatibility and ignored: ${keys.join(', ')} (docs/reference/config.md, "Accepted and ignored")`,
  );
}
