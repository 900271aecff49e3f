import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small, fast configuration in the shape of examples/default.json (2,000 items). */
export function smallConfig(cacheDir: string = mkdtempSync(join(tmpdir(), 'pairec-cache-'))): Record<string, unknown> {
  return {
    ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0 },
    LogConf: { LogLevel: 'info' },
    CatalogConf: {
      Source: 'demo',
      Demo: { Items: 2000, Users: 200, Dim: 16, Clusters: 40, Categories: 8, Seed: 7 },
      CacheDir: cacheDir,
    },
    AlgoConfs: [
      { Name: 'item_ann', Type: 'ANN', AnnConf: { M: 8, EfConstruction: 64, EfSearch: 64 } },
      { Name: 'popularity_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } },
      { Name: 'similarity_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'recall_score' } },
    ],
    RecallConfs: [
      { Name: 'vector_recall', RecallType: 'VectorRecall', RecallCount: 100, AlgoName: 'item_ann' },
      { Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 50 },
    ],
    SceneConfs: {
      default_scene: { default: { RecallNames: ['vector_recall', 'hot_recall'] } },
      hot_scene: { default: { RecallNames: ['hot_recall'] } },
    },
    FilterNames: { default_scene: ['UniqueFilter', 'User2ItemExposureFilter'] },
    RankConf: { default_scene: { RankAlgoList: ['similarity_lookup', 'popularity_lookup'] } },
    SortNames: { default_scene: ['ItemRankScore'] },
    performance: { request_timeout_ms: 2000 },
  };
}
