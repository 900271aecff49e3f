import type { RecallTypeDef } from './recall.js';
import { vectorRecall } from './vector.js';
import { globalHotRecall } from './global-hot.js';
import { groupHotRecall } from './group-hot.js';
import { userCustomRecall } from './user-custom.js';
import { itemCollaborativeFilterRecall } from './item-cf.js';
import { userCollaborativeFilterRecall } from './user-cf.js';
import { mockRecall } from './mock.js';

export type { RecallSource, RecallTypeDef, RecallEnv } from './recall.js';
export { defineRecallType } from './recall.js';

/** The built-in recall types, by PaiRec's RecallType name (pipeline/types.ts registers them). */
export const RECALL_TYPES: ReadonlyMap<string, RecallTypeDef> = new Map(
  [vectorRecall, globalHotRecall, groupHotRecall, userCustomRecall, userCollaborativeFilterRecall, itemCollaborativeFilterRecall, mockRecall].map((d) => [
    d.type,
    d,
  ]),
);
