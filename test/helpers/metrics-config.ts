import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A light, LOOKUP-ranked config for the metrics tests: a small demo catalog (no index to
 * build, so the server is ready in about a second) and two scenes. `home` ranks with a
 * LOOKUP; `broken` ranks with an EAS backend on a closed loopback port, so every run of
 * `broken_eas` fails fast (connection refused) and the scene answers from its fallback
 * list — the algorithm metrics then carry both `status` values.
 */
export function lightMetricsConfig(deadPort: number, cacheDir: string = mkdtempSync(join(tmpdir(), 'pairec-cache-'))): Record<string, unknown> {
  return {
    ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0 },
    LogConf: { LogLevel: 'info' },
    CatalogConf: {
      Source: 'demo',
      Demo: { Items: 300, Users: 50, Dim: 8, Clusters: 10, Categories: 4, Seed: 3 },
      CacheDir: cacheDir,
    },
    AlgoConfs: [
      { Name: 'popularity_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } },
      { Name: 'broken_eas', Type: 'EAS', EasConf: { Processor: 'EasyRec', Url: `http://127.0.0.1:${deadPort}/api/predict/m`, Timeout: 500 } },
    ],
    RecallConfs: [{ Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 40 }],
    SceneConfs: {
      home: { default: { RecallNames: ['hot_recall'] } },
      broken: { default: { RecallNames: ['hot_recall'], FallbackConfig: { Size: 10 } } },
    },
    FilterNames: { home: ['UniqueFilter'] },
    RankConf: { home: { RankAlgoList: ['popularity_lookup'] }, broken: { RankAlgoList: ['broken_eas'] } },
    SortNames: { home: ['ItemRankScore'] },
    performance: { request_timeout_ms: 2000 },
  };
}
