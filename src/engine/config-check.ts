import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { Catalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { warnIgnoredKeys } from '../config/compatibility.js';
import { stageKeysOf } from '../config/stage-confs.js';
import { pathFromSegments } from '../config/json-path.js';
import { readConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { unusedBlocks } from '../config/unused-blocks.js';
import { ConfigError, isPairecError } from '../errors.js';
import type { PairecError } from '../errors.js';
import { probeBackends } from './backend-probes.js';
import type { BackendResult } from './backend-probes.js';
import { checkLocalData } from './local-data.js';
import { builtinVocabulary } from './vocabulary.js';
import { loadConfigFile } from './load-config.js';

export interface CheckProblem {
  readonly code: string;
  /** JSON path at fault, when the problem has one. */
  readonly path?: string;
  readonly message: string;
}

export interface CheckWarning {
  /** compatibility: keys accepted and ignored; unused: blocks nothing names; load: what loading the data warned about. */
  readonly kind: 'compatibility' | 'unused' | 'load';
  readonly path?: string;
  readonly message: string;
}

/** What `pairec validate` found. Valid: no problem (warnings allowed), and with --connect every backend answered. */
export interface ConfigReport {
  readonly file: string;
  readonly valid: boolean;
  readonly problems: readonly CheckProblem[];
  readonly warnings: readonly CheckWarning[];
  /** Local files read (a file catalog, feature files are read by the local data check). */
  readonly read: readonly string[];
  /** With --connect: each backend and whether it answered. */
  readonly backends?: readonly BackendResult[];
}

export interface CheckOptions {
  readonly registry: AlgorithmRegistry;
  /** Contact the backends (Redis, databases, remote algorithms), each within `timeoutMs`. */
  readonly connect: boolean;
  readonly timeoutMs: number;
}

const asProblem = (p: PairecError): CheckProblem => ({ code: p.code, ...(p.path === undefined ? {} : { path: p.path }), message: p.message });

/** Problems an error stands for: a ConfigError's list, or the error itself. */
function problemsOf(err: unknown): CheckProblem[] {
  if (err instanceof ConfigError) return err.problems.map(asProblem);
  if (isPairecError(err)) return [asProblem(err)];
  return [{ code: 'ERR_CONFIG_READ', message: err instanceof Error ? err.message : String(err) }];
}

/** A logger whose warnings (from the same load code serve runs) become report warnings, and nothing is printed. */
function capturingLogger(kind: CheckWarning['kind'], into: CheckWarning[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        const entry = JSON.parse(line) as { msg?: unknown };
        if (typeof entry.msg === 'string') into.push({ kind, message: entry.msg });
      }
      done();
    },
  });
  return pino({ level: 'warn', base: null, timestamp: false }, sink);
}

/** The file catalog, read as serve's load reads it; the demo catalog is generated, not read, so it is not built here. */
async function readCatalog(config: Config, logger: Logger, problems: CheckProblem[], read: string[]): Promise<Catalog | undefined> {
  const conf = config.CatalogConf;
  if (conf?.Source !== 'file') return undefined;
  read.push(...[conf.Items?.Path, conf.Users?.Path].filter((p): p is string => p !== undefined));
  try {
    return await loadCatalog(conf, logger);
  } catch (err) {
    // A reader's error names the file (its `path` is the field at fault, when set): the
    // report's path is the key that names that file.
    const pathOf = (message: string): string =>
      conf.Users?.Path !== undefined && message.startsWith(conf.Users.Path)
        ? '$.CatalogConf.Users.Path'
        : conf.Items?.Path !== undefined && message.startsWith(conf.Items.Path)
          ? '$.CatalogConf.Items.Path'
          : '$.CatalogConf';
    problems.push(...problemsOf(err).map((p) => (p.path?.startsWith('$') ? p : { ...p, path: pathOf(p.message) })));
    return undefined;
  }
}

/**
 * The files algorithm builds open (an ONNX model), each checked readable: a missing one
 * fails serve's first load. Opened only, not loaded: the build (the model's inputs
 * against the feature spec) is serve's.
 */
async function checkAlgorithmFiles(config: Config, registry: AlgorithmRegistry, problems: CheckProblem[], read: string[]): Promise<void> {
  for (const [i, a] of config.AlgoConfs.entries()) {
    const def = registry.getType(a.Type);
    const conf: unknown = def && (a as Record<string, unknown>)[def.confKey];
    if (!def?.localFiles || conf === undefined) continue;
    for (const { key, path: file } of def.localFiles(conf as never)) {
      read.push(file);
      const path = pathFromSegments(['AlgoConfs', i, def.confKey, key]);
      await access(file, constants.R_OK).catch((err: unknown) =>
        problems.push({
          code: 'ERR_CONFIG_INVALID',
          path,
          message: `${path}: ${a.Type} "${a.Name}" cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        }),
      );
    }
  }
}

/** Files the feature loaders read (AdapterType "file"). */
const featureFiles = (config: Config): string[] =>
  Object.values(config.FeatureConfs).flatMap((c) =>
    c.FeatureLoadConfs.map((l) => l.FeatureDaoConf)
      .filter((d) => d.AdapterType === 'file' && d.FilePath !== undefined)
      .map((d) => d.FilePath ?? ''),
  );

/**
 * Checks a config file as `pairec serve` loads it, without serving: the same parse
 * (loadConfigFile: schema, references, experiments), the same warnings, the same reads
 * of local data (a file catalog, feature files: engine/local-data.ts), the files
 * algorithm builds open, and, only when asked, the backends. Opens no port; contacts nothing unless `connect`.
 */
export async function checkConfigFile(file: string, opts: CheckOptions): Promise<ConfigReport> {
  const problems: CheckProblem[] = [];
  const warnings: CheckWarning[] = [];
  const read: string[] = [];
  let raw: unknown;
  let config: Config | undefined;
  try {
    ({ raw, config } = await loadConfigFile(file, opts.registry));
  } catch (err) {
    problems.push(...problemsOf(err));
    // Warnings of a config that does not parse still help: read it again for them (a read error was reported above).
    raw = await readConfigFile(file).catch(() => undefined);
  }
  if (raw !== undefined) {
    warnIgnoredKeys(raw, capturingLogger('compatibility', warnings), stageKeysOf(builtinVocabulary(opts.registry)));
    warnings.push(...unusedBlocks(raw).map((u) => ({ kind: 'unused' as const, ...u })));
  }
  let backends: readonly BackendResult[] | undefined;
  if (config) {
    const logger = capturingLogger('load', warnings);
    const catalog = await readCatalog(config, logger, problems, read);
    await checkAlgorithmFiles(config, opts.registry, problems, read);
    read.push(...featureFiles(config));
    try {
      await checkLocalData(config, builtinVocabulary(opts.registry), catalog);
    } catch (err) {
      problems.push(...problemsOf(err));
    }
    if (opts.connect) {
      const probed = await probeBackends(config, opts.registry, opts.timeoutMs, capturingLogger('load', []));
      backends = probed.backends;
      problems.push(...probed.problems.map(asProblem));
    }
  }
  const valid = problems.length === 0 && (backends ?? []).every((b) => b.ok);
  return { file, valid, problems, warnings, read: [...new Set(read)], ...(backends ? { backends } : {}) };
}
