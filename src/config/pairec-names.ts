/**
 * PaiRec's names, as the loader knows them: its top-level config keys, the keys and type
 * names it has that this engine does not implement (reported as "not supported", not as
 * misspelt), and its algorithm conf keys. docs/pairec-migration.md is generated from these.
 */

/** Every top-level field of PaiRec's RecommendConfig (recconf/recconf.go), in its order. */
export const PAIREC_TOP_LEVEL_KEYS: readonly string[] = [
  'RunMode',
  'Region',
  'ListenConf',
  'UserFeatureConfs',
  'FeatureConfs',
  'SortNames',
  'FilterNames',
  'AlgoConfs',
  'RecallConfs',
  'FilterConfs',
  'BeFilterConfs',
  'SortConfs',
  'RedisConfs',
  'MysqlConfs',
  'ClickHouseConfs',
  'HologresConfs',
  'LindormConfs',
  'GraphConfs',
  'FeatureStoreConfs',
  'KafkaConfs',
  'SlsConfs',
  'DatahubConfs',
  'BEConfs',
  'RecallEngineConfs',
  'Ha3EngineConfs',
  'OpenSearchConfs',
  'HBaseConfs',
  'HBaseThriftConfs',
  'TableStoreConfs',
  'SceneConfs',
  'RankConf',
  'LogConf',
  'ABTestConf',
  'CallBackConfs',
  'EmbeddingConfs',
  'GeneralRankConfs',
  'ColdStartGeneralRankConfs',
  'ColdStartRankConfs',
  'DPPConf',
  'DebugConfs',
  'FeatureLogConfs',
  'PipelineConfs',
  'PrometheusConfig',
  'UserDefineConfs',
];

/**
 * PaiRec keys this engine does not implement yet: named so a PaiRec user learns that
 * the key is understood but not supported, rather than that it is misspelt.
 */
export const PAIREC_UNSUPPORTED_KEYS: readonly string[] = [
  'UserFeatureConfs',
  'BeFilterConfs',
  'ClickHouseConfs',
  'LindormConfs',
  'GraphConfs',
  'FeatureStoreConfs',
  'KafkaConfs',
  'SlsConfs',
  'DatahubConfs',
  'BEConfs',
  'RecallEngineConfs',
  'Ha3EngineConfs',
  'OpenSearchConfs',
  'HBaseConfs',
  'HBaseThriftConfs',
  'TableStoreConfs',
  'CallBackConfs',
  'EmbeddingConfs',
  'GeneralRankConfs',
  'ColdStartGeneralRankConfs',
  'ColdStartRankConfs',
  'DPPConf',
  'DebugConfs',
  'FeatureLogConfs',
  'PipelineConfs',
  'PrometheusConfig',
  'UserDefineConfs',
  'LayerConfs',
  'ExtendConf',
  'HookConfs',
  'SceneFeatureConfs',
];

/** PaiRec algorithm conf keys: a key that is not the algorithm type's own is reported by name. */
export const PAIREC_ALGO_CONF_KEYS: readonly string[] = ['LookupConf', 'EasConf', 'VectorConf', 'MilvusConf', 'TFservingConf', 'SeldonConf'];

/** PaiRec algorithm types; those not registered here yet are reported as not supported. */
export const PAIREC_ALGO_TYPES: readonly string[] = ['EAS', 'FAISS', 'MILVUS', 'TFSERVING', 'SELDON', 'LOOKUP'];

/** PaiRec recall, filter and sort types, for the same "not supported yet" message. */
export const PAIREC_RECALL_TYPES: readonly string[] = [
  'VectorRecall',
  'MilvusVectorRecall',
  'UserGlobalHotRecall',
  'UserGroupHotRecall',
  'UserCustomRecall',
  'ItemCollaborativeFilterRecall',
  'UserCollaborativeFilterRecall',
  'ColdStartRecall',
  'MockRecall',
  'HologresVectorRecall',
  'BeRecall',
  'RealTimeU2IRecall',
  'OnlineHologresVectorRecall',
  'GraphRecall',
  'UserTopicRecall',
  'HologresVectorRecallV2',
  'I2IVectorRecall',
  'OpenSearchRecall',
  'OnlineVectorRecall',
  'RecallEngineRecall',
];
export const PAIREC_FILTER_TYPES: readonly string[] = [
  'UniqueFilter',
  'User2ItemExposureFilter',
  'ItemStateFilter',
  'ConditionFilter',
  'User2ItemCustomFilter',
  'ItemCustomFilter',
  'CompletelyFairFilter',
  'GroupWeightCountFilter',
  'DimensionFieldUniqueFilter',
  'AdjustCountFilter',
  'PriorityAdjustCountFilter',
  'User2ItemExposureWithConditionFilter',
];
export const PAIREC_SORT_TYPES: readonly string[] = [
  'ItemRankScore',
  'DiversityRuleSort',
  'BoostScoreSort',
  'MultiRecallMixSort',
  'DPPSort',
  'TrafficControlSort',
  'DistinctIdSort',
  'SSDSort',
  'BoostScoreByWeight',
  'ConditionSort',
  'PositionReviseSort',
  'AlgoScoreSort',
];
