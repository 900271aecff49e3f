import { PairecError } from '../../errors.js';
import type { RecallTypeDef } from './recall.js';
import { checkRedisName } from './redis-lists.js';
import { toCandidates } from './recall.js';
import { redisListReader } from './redis-lists.js';
import { sqlUserCustom } from './sql-lists.js';

/**
 * UserCustomRecall: a list prepared for each user offline (PaiRec's u2i table), read
 * from Redis at `DaoConf.RedisPrefix + uid`: a string `"item1:0.9,item2:0.5,item3"`
 * (stored order), a list of such entries, or a sorted set (highest score first). The
 * first RecallCount entries, their scores as recall scores (0 when absent). A user with
 * no key contributes nothing; a Redis failure fails this source only. With AdapterType
 * "hologres" or "mysql", PaiRec's u2i table instead (recall/sql-lists.ts).
 */
export const userCustomRecall: RecallTypeDef = {
  type: 'UserCustomRecall',
  uses: ['DaoConf'],
  check: (conf, ctx) => {
    if (conf.DaoConf === undefined) ctx.problem(`${ctx.at}.DaoConf`, 'required by UserCustomRecall');
    else checkRedisName(conf.DaoConf, ctx, `${ctx.at}.DaoConf`);
  },
  create: (conf, env) => {
    const dao = conf.DaoConf;
    if (!dao) throw new PairecError('ERR_INTERNAL', `unvalidated UserCustomRecall "${conf.Name}"`);
    if (dao.AdapterType !== 'redis') return sqlUserCustom(conf, dao, env);
    const read = redisListReader(env, dao.RedisName ?? '');
    return {
      name: conf.Name,
      recall: async (ctx) => {
        const [list] = await read([`${dao.RedisPrefix}${ctx.request.uid}`], dao.RedisDataType, conf.RecallCount, 0);
        return toCandidates(list ?? [], ctx.catalog, conf.Name);
      },
    };
  },
};
