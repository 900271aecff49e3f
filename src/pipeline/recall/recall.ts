import type { Catalog } from '../../catalog/catalog.js';
import type { TProperties } from '@sinclair/typebox';
import type { RecallConf } from '../../config/schema.js';
import { validatedOnly } from '../../types/stage-type.js';
import type { WithKeys } from '../../types/stage-type.js';
import type { RecallTypeInfo } from '../../config/validate.js';
import type { EngineMetrics } from '../../observability/metrics.js';
import type { RedisClient } from '../../store/redis.js';
import type { SqlClient } from '../../store/sql-client.js';
import type { Candidate, PipelineContext } from '../context.js';
import type { UserVectorEnv } from './user-vector.js';

/** One configured recall source of a scene. */
export interface RecallSource {
  readonly name: string;
  recall(ctx: PipelineContext): Promise<readonly Candidate[]>;
}

export interface RecallEnv {
  readonly catalog: Catalog | undefined;
  /** The config generation's Redis client of a RedisConfs name (names were checked at load). */
  readonly redis?: ((name: string) => RedisClient | undefined) | undefined;
  /** The config generation's SQL client of a HologresConfs or MysqlConfs name. */
  readonly sql?: ((adapter: 'hologres' | 'mysql', name: string) => SqlClient | undefined) | undefined;
  readonly metrics?: EngineMetrics | undefined;
  /** What a VectorRecall needs to find the user's vector (recall/user-vector.ts). */
  readonly userVectors?: UserVectorEnv | undefined;
}

/** A recall type (PaiRec's RecallType): its own keys and checks, what it needs, and how to build a source from its conf. */
export interface RecallTypeDef<Conf extends RecallConf = RecallConf> extends RecallTypeInfo<Conf> {
  create(conf: Conf, env: RecallEnv): RecallSource;
}

/** A recall type with keys of its own: `create` and `check` see them typed. */
export function defineRecallType<P extends TProperties>(keys: P, def: Omit<RecallTypeDef<WithKeys<RecallConf, P>>, 'keys'>): RecallTypeDef {
  return { ...def, keys, create: validatedOnly(def.type, keys, def.create) } as RecallTypeDef;
}

/** Stored (id, score) entries as candidates of `retrieveId`; rows from the catalog when it holds the item. */
export function toCandidates(list: readonly { id: string; score: number }[], catalog: Catalog | undefined, retrieveId: string): Candidate[] {
  const out: Candidate[] = new Array<Candidate>(list.length);
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as { id: string; score: number };
    out[i] = { itemId: e.id, row: catalog?.itemIndex(e.id) ?? -1, retrieveId, recallScore: e.score, score: e.score };
  }
  return out;
}
