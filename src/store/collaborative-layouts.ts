/**
 * PaiRec's collaborative-filter tables, by adapter (module/user_collaborative_*_dao.go,
 * item_collaborative_hologres_dao.go): the key column and the list column of each table.
 * Read by the recalls (pipeline/recall/user-cf.ts, item-cf.ts) and checked at load
 * (table-layouts.ts) from this one place, so the two cannot disagree.
 */
export interface ListTable {
  /** The column matched against the user or item id. */
  readonly key: string;
  /** The comma-separated list of entries. */
  readonly list: string;
}

export interface CollaborativeLayout {
  /** UserCollaborativeDaoConf.User2ItemTable: the user's recent items, `item:weight,…`. */
  readonly user2item: ListTable;
  /** UserCollaborativeDaoConf.Item2ItemTable: an item's neighbours, `item:similarity,…`. */
  readonly item2item: ListTable;
  /** ItemCollaborativeDaoConf.Item2ItemTable: an item's list, PaiRec's `id[:retrieve_id[:score]],…`. */
  readonly itemRecall: ListTable;
}

export const COLLABORATIVE_LAYOUTS: Readonly<Record<'hologres' | 'mysql', CollaborativeLayout>> = {
  hologres: {
    user2item: { key: 'user_id', list: 'item_ids' },
    item2item: { key: 'item_id', list: 'similar_item_ids' },
    itemRecall: { key: 'item_id', list: 'item_ids' },
  },
  // PaiRec's MySQL DAO names the columns after articles; PaiRec has no MySQL DAO for the
  // request-item recall, so it reads the Hologres layout (as the u2i table does here).
  mysql: {
    user2item: { key: 'user_id', list: 'article_ids' },
    item2item: { key: 'article_id', list: 'article_ids' },
    itemRecall: { key: 'item_id', list: 'item_ids' },
  },
};
