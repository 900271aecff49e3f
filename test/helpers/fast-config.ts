import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fast config: popularity recall and a lookup ranker (no index to build), so a process is ready in a second. */
export function fastConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0 },
    LogConf: { LogLevel: 'info' },
    CatalogConf: { Source: 'demo', Demo: { Items: 500, Users: 50, Dim: 4, Clusters: 10, Categories: 4, Seed: 5 }, CacheDir: '' },
    AlgoConfs: [{ Name: 'popularity_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } }],
    RecallConfs: [{ Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 50 }],
    SceneConfs: { default_scene: { default: { RecallNames: ['hot_recall'] } } },
    RankConf: { default_scene: { RankAlgoList: ['popularity_lookup'] } },
    ...extra,
  };
}

/** `config` written to a fresh temporary directory; returns the file's path. */
export function writeConfig(config: Record<string, unknown>, prefix = 'pairec-'): string {
  const path = join(mkdtempSync(join(tmpdir(), prefix)), 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}
