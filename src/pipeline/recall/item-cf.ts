import { COLLABORATIVE_LAYOUTS } from '../../store/collaborative-layouts.js';
import type { Candidate } from '../context.js';
import { checkCollaborativeDao, ItemCollaborativeDaoConfSchema, sqlTable } from './cf-dao.js';
import { defineRecallType, toCandidates } from './recall.js';
import { redisListReader } from './redis-lists.js';
import { parseItemIds, sqlListReader, storedCandidates } from './sql-lists.js';

/** Said at load to a config written for this engine's earlier meaning of the name. */
export const MOVED_TO_USER_CF =
  "it lists the neighbours of the request's item_id (ItemCollaborativeDaoConf), as in PaiRec; " +
  'for the neighbours of the user\'s recent items (UserCollaborativeDaoConf) use RecallType "UserCollaborativeFilterRecall"';

/**
 * ItemCollaborativeFilterRecall (PaiRec's ListItemsByItem): the list of the request's
 * `item_id` — "more like this" on an item page. Redis: the key `Item2ItemTable + item_id`
 * (default PaiRec's string `"item:score,…"`). Hologres / MySQL: the row of PaiRec's table
 * (item_id, item_ids), entries `id`, `id:retrieve_id` or `id:retrieve_id:score`. The first
 * RecallCount in stored order (PaiRec shuffles the first half of a longer list; kept here
 * so a request is reproducible). A request without item_id gets nothing from this source.
 */
export const itemCollaborativeFilterRecall = defineRecallType(
  {
    /** Where each item's list is. */
    ItemCollaborativeDaoConf: ItemCollaborativeDaoConfSchema,
  },
  {
    type: 'ItemCollaborativeFilterRecall',
    movedKeys: { UserCollaborativeDaoConf: MOVED_TO_USER_CF },
    check: (conf, ctx) => checkCollaborativeDao(conf.ItemCollaborativeDaoConf, ['Item2ItemTable'], ctx, `${ctx.at}.ItemCollaborativeDaoConf`),
    create: (conf, env) => {
      const dao = conf.ItemCollaborativeDaoConf;
      if (dao.AdapterType === 'redis') {
        const read = redisListReader(env, dao.RedisName ?? '');
        return {
          name: conf.Name,
          recall: async (ctx): Promise<Candidate[]> => {
            const item = ctx.request.itemId;
            if (item === undefined || item === '') return [];
            const [list] = await read([`${dao.Item2ItemTable}${item}`], dao.Item2ItemDataType, conf.RecallCount, 0);
            return toCandidates(list ?? [], ctx.catalog, conf.Name);
          },
        };
      }
      const adapter = dao.AdapterType;
      const read = sqlListReader(sqlTable(dao, dao.Item2ItemTable) ?? { adapter, name: '', table: '' }, env, conf.Name);
      return {
        name: conf.Name,
        recall: async (ctx): Promise<Candidate[]> => {
          const item = ctx.request.itemId;
          if (item === undefined || item === '') return [];
          const rows = await read(COLLABORATIVE_LAYOUTS[adapter].itemRecall, [item], ctx);
          return storedCandidates(rows.flatMap((r) => parseItemIds(r.list, conf.Name)).slice(0, conf.RecallCount), ctx);
        },
      };
    },
  },
);
