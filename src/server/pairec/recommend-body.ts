import { randomUUID } from 'node:crypto';
import { PairecError } from '../../errors.js';
import type { RecommendRequest } from '../../pipeline/context.js';
import { DEFAULT_CATEGORY, DEFAULT_SCENE, DEFAULT_SIZE } from '../request.js';
import { goArray, goBool, goFields, goInt, goString } from './go-fields.js';
import { pairecFeatures } from './features.js';

/** The fields of PaiRec's recommend request (its generated project's RecommendParam). */
const FIELDS = ['uid', 'size', 'scene_id', 'category', 'request_id', 'debug', 'features', 'complex_type_features', 'item_id', 'item_list'] as const;

/**
 * A recommend body read as PaiRec reads it (ListenConf.ApiMode `pairec`): unknown fields
 * ignored, `size` ≤ 0 or absent → 10, an empty `scene_id` → default_scene, an empty
 * `category` → default, an empty `request_id` → a new one; only an empty `uid` or a value
 * of the wrong type is an error. `item_id` (the item the page shows) is read by
 * ItemCollaborativeFilterRecall; `item_list` is type-checked as PaiRec does and not used.
 */
export function parsePairecRecommendBody(body: unknown, maxSize: number): RecommendRequest {
  const f = goFields(body, FIELDS);
  const uid = goString(f.uid, 'uid', 256) ?? '';
  if (uid === '') throw new PairecError('ERR_MISSING_FIELD', 'uid not empty: uid is required', { path: 'uid' });
  let size = goInt(f.size, 'size') ?? 0;
  if (size <= 0) size = DEFAULT_SIZE;
  // PaiRec has no upper bound; this engine keeps its own, answered as PaiRec answers a bad parameter.
  if (size > maxSize) throw new PairecError('ERR_INVALID_FIELD', `size must be <= ${maxSize}`, { path: 'size' });
  const sceneId = goString(f.scene_id, 'scene_id', 128) || DEFAULT_SCENE;
  const category = goString(f.category, 'category', 128) || DEFAULT_CATEGORY;
  const requestId = goString(f.request_id, 'request_id', 128) || randomUUID();
  const debug = goBool(f.debug, 'debug') ?? false;
  const itemId = goString(f.item_id, 'item_id', 256);
  goArray(f.item_list, 'item_list', 10_000);
  const features = pairecFeatures(f.features, f.complex_type_features);
  return { requestId, uid, size, sceneId, category, features, debug, ...(itemId ? { itemId } : {}) };
}
