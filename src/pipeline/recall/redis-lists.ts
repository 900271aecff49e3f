import { PairecError } from '../../errors.js';
import type { StageCheck } from '../../types/stage-type.js';
import type { RecallEnv } from './recall.js';
import { readScoredLists } from './scored-list.js';
import type { ListDataType, ScoredId } from './scored-list.js';

/** Reads lists for a recall source; rejects (the source then contributes nothing) when Redis fails. */
export type ListReader = (keys: readonly string[], type: ListDataType, limit: number, missing: number) => Promise<ScoredId[][]>;

/**
 * A list reader on one RedisConfs entry. The client is looked up per call, from the
 * config generation the source was built in; a failure is counted in
 * pairec_redis_failures_total{operation="recall"} and rethrown, so the recall machinery
 * reports the source as failed (debug output, pairec_recall_failures_total).
 */
export function redisListReader(env: RecallEnv, redisName: string): ListReader {
  return async (keys, type, limit, missing) => {
    try {
      const client = env.redis?.(redisName);
      if (!client) throw new PairecError('ERR_INTERNAL', `no Redis client "${redisName}"`);
      return await readScoredLists(client, keys, type, limit, missing);
    } catch (err) {
      env.metrics?.redisFailures.labels(redisName, 'recall').inc();
      throw err;
    }
  };
}

/** A DAO on Redis names a configured RedisConfs entry (config load). */
export function checkRedisName(dao: { readonly AdapterType: string; readonly RedisName?: string | undefined }, ctx: StageCheck, at: string): void {
  const name = dao.RedisName;
  if (dao.AdapterType === 'redis' && name !== undefined && !ctx.redis.has(name)) ctx.problem(`${at}.RedisName`, `no Redis named "${name}" in RedisConfs`);
}
