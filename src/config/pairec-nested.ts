/**
 * PaiRec's keys below the top level, block by block, as its config structs declare them
 * (recconf/recconf.go). A key of a block that this engine's schema also defines is
 * honoured (or accepted and ignored, per IGNORED_KEYS); a key only PaiRec has is "not
 * supported" where the config sets it, and dropped (named in the load's warning) where
 * the config leaves it at PaiRec's empty value. A key neither has stays "unknown key".
 * docs/pairec-migration.md lists every key of these blocks from here.
 */
export interface PaiRecBlock {
  /** Where the block is: keys joined by `.`, `[]` for every entry of a list, `<name>` for every entry of a map. */
  readonly at: string;
  /** The PaiRec struct the block is, for the docs. */
  readonly struct: string;
  /** Every field of that struct (embedded structs' fields included), in its order. */
  readonly keys: readonly string[];
  /** What to use instead of a key of this block this engine does not have. */
  readonly instead: string;
  /** Per key, where the block's advice does not fit. */
  readonly insteadOf?: Readonly<Record<string, string>>;
  /** Conditions (FilterParamConfig) only: whose features they test here (default "item"). */
  readonly domain?: 'item' | 'user';
}

/** PaiRec's DaoConfig: embedded in every DAO of a recall, filter, sort or feature. */
const DAO_KEYS: readonly string[] = [
  'Adapter', 'AdapterType', 'RedisName', 'RedisPrefix', 'RedisDataType', 'RedisFieldType', 'RedisDefaultKey',
  'RedisValueDelimeter', 'MysqlName', 'MysqlTable', 'Config', 'TableStoreName', 'TableStoreTableName', 'HBasePrefix',
  'HBaseName', 'HBaseTable', 'ColumnFamily', 'Qualifier', 'ItemIdField', 'ItemScoreField', 'HologresName',
  'HologresTableName', 'ClickHouseName', 'ClickHouseTableName', 'BeName', 'BizName', 'BeRecallName', 'BeTableName',
  'BeExposureUserIdName', 'BeExposureItemIdName', 'FeatureStoreName', 'FeatureStoreModelName',
  'FeatureStoreEntityName', 'FeatureStoreViewName', 'GraphName', 'InstanceId', 'TableName', 'UserNode', 'ItemNode',
  'Edge', 'LindormTableName', 'LindormName', 'RecallEngineName', 'RecallEngineTableName',
];

/** PaiRec's DAO adapters and data source types (recconf.go's DaoConf_Adapter_*, DataSource_Type_*). */
export const PAIREC_ADAPTERS: readonly string[] = [
  'mysql', 'redis', 'tablestore', 'hbase', 'hologres', 'clickhouse', 'be', 'lindorm', 'hbase_thrift', 'featurestore',
  'recallengine', 'graph',
];

const DAO_INSTEAD = 'a DAO here reads Redis, Hologres or MySQL in PaiRec\'s table layouts (docs/operations/hologres.md)';

/** PaiRec's FilterParamConfig: one condition of FilterParams, BoostScoreConditions… */
const CONDITION_KEYS: readonly string[] = ['Name', 'Domain', 'Operator', 'Type', 'Value', 'Configs'];
const CONDITION_INSTEAD = 'a condition here is Name, Operator and Value on an item property; a nested group: FilterEvaluableExpression (ConditionFilter)';

export const PAIREC_NESTED_BLOCKS: readonly PaiRecBlock[] = [
  {
    at: 'ListenConf',
    struct: 'ListenConfig',
    keys: ['HttpAddr', 'HttpPort'],
    instead: '',
  },
  {
    at: 'LogConf',
    struct: 'LogConfig',
    keys: ['RetensionDays', 'DiskSize', 'LogLevel', 'Output', 'SLSName'],
    instead: 'logs are JSON lines on stdout; ship them with the platform\'s log collector',
  },
  {
    at: 'RecallConfs[]',
    struct: 'RecallConfig',
    keys: [
      'Name', 'RecallType', 'RecallCount', 'RecallAlgo', 'VectorAlgoType', 'ItemType', 'CacheAdapter', 'CacheConfig',
      'CachePrefix', 'CacheTime', 'Triggers', 'HologresVectorConf', 'BeVectorConf', 'MilvusVectorConf',
      'UserCollaborativeDaoConf', 'ItemCollaborativeDaoConf', 'EnableMultipleItemId', 'MultipleItemIdDelimiter',
      'User2ItemDaoConf', 'UserTopicDaoConf', 'DaoConf', 'VectorDaoConf', 'ColdStartDaoConf', 'RealTimeUser2ItemDaoConf',
      'UserFeatureConfs', 'BeConf', 'GraphConf', 'OpenSearchConf', 'RecallEngineConf', 'FilterParams',
    ],
    instead: 'the recall types and keys of docs/pipeline.md',
    insteadOf: {
      RecallAlgo: 'AlgoName names the retrieval algorithm of a VectorRecall; UserEmbedding says where the query vector comes from (request, catalog or loaded features)',
      VectorAlgoType: 'AlgoName names the retrieval algorithm of a VectorRecall (ANN, FAISS, MILVUS)',
      ItemType: 'replies carry no per-recall item type here; filter or sort on an item property instead',
      UserFeatureConfs: 'FeatureConfs of the scene (user features are loaded once per request)',
      FilterParams: 'an ItemStateFilter with these FilterParams in the scene\'s FilterNames',
    },
  },
  { at: 'RecallConfs[].DaoConf', struct: 'DaoConfig', keys: DAO_KEYS, instead: DAO_INSTEAD },
  {
    at: 'RecallConfs[].UserCollaborativeDaoConf',
    struct: 'UserCollaborativeDaoConfig',
    keys: [
      ...DAO_KEYS, 'User2ItemTable', 'Item2ItemTable', 'User2ItemFeatureViewName', 'Item2ItemFeatureViewName', 'Item2XTable',
      'X2ItemTable', 'XKey', 'XDelimiter', 'Normalization',
    ],
    instead: DAO_INSTEAD,
  },
  {
    at: 'RecallConfs[].Triggers[]',
    struct: 'TriggerConfig',
    keys: ['TriggerKey', 'DefaultValue', 'Boundaries'],
    instead: '',
  },
  {
    at: 'FilterConfs[]',
    struct: 'FilterConfig',
    keys: [
      'Name', 'FilterType', 'FilterTypeVersion', 'DaoConf', 'MaxItems', 'TimeInterval', 'RetainNum',
      'ClearLogIfNotEnoughScene', 'Dimension', 'ScoreWeight', 'GroupMinNum', 'GroupMaxNum', 'GroupWeightStrategy',
      'GroupWeightDimensionLimit', 'WriteLogExcludeScenes', 'GenerateItemDataFuncName', 'GenerateItemDataExpr',
      'GenerateUserDataExpr', 'AdjustCountConfs', 'ItemStateDaoConf', 'FilterEvaluableExpression', 'FilterParams',
      'DiversityDaoConf', 'DiversityMinCount', 'FilterVal', 'ItemStateCacheSize', 'ItemStateCacheTime', 'Conditions',
      'SnakeType', 'ConditionFilterConfs', 'Features', 'ShuffleItem', 'WriteLog', 'OnlyLogUserExposeFlag', 'EnsureDiversity',
    ],
    instead: 'the filter types and keys of docs/pipeline.md',
    insteadOf: {
      WriteLog: 'exposures are recorded by POST /api/callback (docs/api.md), not by the filter',
      WriteLogExcludeScenes: 'exposures are recorded by POST /api/callback (docs/api.md), not by the filter',
      OnlyLogUserExposeFlag: 'exposures are recorded by POST /api/callback (docs/api.md), not by the filter',
      ItemStateDaoConf: 'ItemStateFilter reads the in-process catalog\'s item properties (CatalogConf)',
      Conditions: 'FilterParams (all must hold) or FilterEvaluableExpression',
    },
  },
  { at: 'FilterConfs[].DaoConf', struct: 'DaoConfig', keys: DAO_KEYS, instead: DAO_INSTEAD },
  { at: 'FilterConfs[].FilterParams[]', struct: 'FilterParamConfig', keys: CONDITION_KEYS, instead: CONDITION_INSTEAD },
  {
    at: 'FilterConfs[].AdjustCountConfs[]',
    struct: 'AdjustCountConfig',
    keys: ['RecallName', 'Count', 'Type', 'Expression', 'Weight'],
    instead: 'a count per recall (Count, Type "fix" or "accumulator")',
  },
  {
    at: 'SortConfs[]',
    struct: 'SortConfig',
    keys: [
      'Name', 'SortType', 'SortByField', 'SortOrder', 'SwitchThreshold', 'DiversitySize', 'ExploreItemSize', 'Size',
      'DPPConf', 'SSDConf', 'PIDConf', 'MixSortRules', 'BoostScoreConditions', 'DistinctIdConditions', 'Conditions',
      'ExcludeRecalls', 'DiversityRules', 'ExclusionRules', 'TimeInterval', 'BoostScoreByWeightDao',
      'MultiValueDimensionConf', 'Debug', 'RemainItem', 'BoostScoreConditionsFilterAll', 'ConditionSortConfs',
    ],
    instead: 'the sort types and keys of docs/pipeline.md',
  },
  { at: 'SortConfs[].BoostScoreConditions[]', struct: 'BoostScoreCondition', keys: ['Expression', 'Conditions'], instead: '' },
  { at: 'SortConfs[].BoostScoreConditions[].Conditions[]', struct: 'FilterParamConfig', keys: CONDITION_KEYS, instead: CONDITION_INSTEAD },
  {
    at: 'SortConfs[].ConditionSortConfs.SortConfs[].Conditions[]',
    struct: 'FilterParamConfig',
    keys: CONDITION_KEYS,
    instead: "a condition here is Name, Operator and Value on the user's features",
    domain: 'user',
  },
  {
    at: 'SortConfs[].DiversityRules[]',
    struct: 'DiversityRuleConfig',
    keys: ['Dimensions', 'IntervalSize', 'WindowSize', 'FrequencySize', 'Weight'],
    instead: 'WindowSize and FrequencySize over Dimensions',
  },
  {
    at: 'SortConfs[].MixSortRules[]',
    struct: 'MixSortConfig',
    keys: ['MixStrategy', 'Positions', 'PositionField', 'Number', 'NumberRate', 'RecallNames', 'Conditions'],
    instead: 'Positions, Number or NumberRate of the items of RecallNames',
  },
  {
    at: 'RankConf.<name>',
    struct: 'RankConfig',
    keys: ['RankAlgoList', 'RankScore', 'Processor', 'ContextFeatures', 'ItemFeatures', 'BatchCount', 'ScoreRewrite', 'ASTType'],
    instead: 'RankAlgoList and a RankScore expression (docs/pipeline.md)',
    insteadOf: {
      ContextFeatures: 'the features a model reads are loaded per scene by FeatureConfs and sent by its algorithm (EasConf)',
      ItemFeatures: 'the features a model reads are loaded per scene by FeatureConfs and sent by its algorithm (EasConf)',
      ScoreRewrite: 'write the rewritten score into RankScore',
      ASTType: 'RankScore is read in this engine\'s expression syntax (docs/pipeline.md)',
    },
  },
  {
    at: 'SceneConfs.<name>.<name>',
    struct: 'CategoryConfig',
    keys: ['RecallNames', 'FallbackConfig', 'AutoInvokeCallBack', 'AutoInvokeCallBackRate', 'OutputFields', 'SubRank'],
    instead: 'RecallNames, FallbackConfig and BackfillRecall (docs/pipeline.md)',
  },
  {
    at: 'SceneConfs.<name>.<name>.FallbackConfig',
    struct: 'FallbackConfig',
    keys: ['Timeout', ...DAO_KEYS, 'CacheTime', 'CacheConfig', 'CompleteItemsIfNeed'],
    instead: 'the fallback list is built from the catalog\'s popular items (Size); BackfillRecall fills a short page from a recall',
  },
  {
    at: 'FeatureConfs.<name>',
    struct: 'SceneFeatureConfig',
    keys: ['FeatureLoadConfs', 'AsynLoadFeature'],
    instead: '',
  },
  {
    at: 'FeatureConfs.<name>.FeatureLoadConfs[]',
    struct: 'FeatureLoadConfig',
    keys: ['FeatureDaoConf', 'Features'],
    instead: 'derive features in the table or file the loader reads, or in the model\'s own feature generation',
  },
  {
    at: 'FeatureConfs.<name>.FeatureLoadConfs[].FeatureDaoConf',
    struct: 'FeatureDaoConfig',
    keys: [
      ...DAO_KEYS, 'NoUsePlayTimeField', 'FeatureAsyncLoad', 'FeatureKey', 'FeatureAppendKey', 'FeatureStore',
      'UserFeatureKeyName', 'ItemFeatureKeyName', 'TimestampFeatureKeyName', 'EventFeatureKeyName',
      'PlayTimeFeatureKeyName', 'TsFeatureKeyName', 'UserSelectFields', 'ItemSelectFields', 'FeatureType',
      'SequenceLength', 'SequenceName', 'SequenceEvent', 'SequenceDelim', 'SequencePlayTime', 'SequenceOfflineTableName',
      'SequenceDimFields', 'BeItemFeatureKeyName', 'BeTimestampFeatureKeyName', 'BeEventFeatureKeyName',
      'BePlayTimeFeatureKeyName', 'BeIsHomeField', 'BeRTCntFields', 'BeRTCntFieldInfo', 'BeRTTable', 'RTCntWins',
      'RTCntMaxKey', 'RTCntWinDelay', 'OutRTCntFeaPattern', 'OutHomeRTCntFeaPattern', 'OutRTCntFieldAlias',
      'OutRTCntWinNames', 'OutEventName', 'CacheFeaturesName', 'LoadFromCacheFeaturesName', 'CacheSize', 'CacheTime',
      'FeatureStoreOptions',
    ],
    instead: 'a feature DAO here reads one row per user or item: Redis hashes, Hologres or MySQL tables (FeatureKey, User/ItemFeatureKeyName, User/ItemSelectFields) or JSON Lines files (docs/configuration.md)',
    insteadOf: {
      FeatureType: 'sequence features are not built here; export the sequence as a column of the feature table',
      FeatureAsyncLoad: 'AsynLoadFeature of the scene\'s FeatureConfs entry',
    },
  },
];
