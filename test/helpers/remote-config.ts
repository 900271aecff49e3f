import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small config whose default scene ranks with a remote PMML model (EAS) at `backendUrl`:
 * one backend call per admitted request (20 recalled items, one batch).
 */
export function remoteRankConfig(backendUrl: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0, DrainDelayMs: 500 },
    LogConf: { LogLevel: 'info' },
    CatalogConf: {
      Source: 'demo',
      Demo: { Items: 500, Users: 50, Dim: 4, Clusters: 10, Categories: 4, Seed: 3 },
      CacheDir: mkdtempSync(join(tmpdir(), 'pairec-cache-')),
    },
    AlgoConfs: [{ Name: 'slow_model', Type: 'EAS', EasConf: { Processor: 'PMML', Url: backendUrl, Timeout: 2000, RetryTimes: 1 } }],
    RecallConfs: [{ Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
    SceneConfs: { default_scene: { default: { RecallNames: ['hot_recall'] } } },
    RankConf: { default_scene: { RankAlgoList: ['slow_model'] } },
    performance: { request_timeout_ms: 3000 },
    ...over,
  };
}
