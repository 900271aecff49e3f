import type { RecallTypeDef } from './recall.js';
import { vectorRecall } from './vector.js';
import { globalHotRecall } from './global-hot.js';
import { groupHotRecall } from './group-hot.js';
import { userCustomRecall } from './user-custom.js';
import { itemCollaborativeFilterRecall } from './item-cf.js';
import { mockRecall } from './mock.js';

export type { RecallSource, RecallTypeDef, RecallEnv } from './recall.js';

/** Recall types by PaiRec's RecallType name. */
export const RECALL_TYPES: ReadonlyMap<string, RecallTypeDef> = new Map(
  [vectorRecall, globalHotRecall, groupHotRecall, userCustomRecall, itemCollaborativeFilterRecall, mockRecall].map((d) => [d.type, d]),
);
