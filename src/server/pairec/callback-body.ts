import { PairecError } from '../../errors.js';
import { goArray, goBool, goFields, goObject, goString } from './go-fields.js';
import { pairecFeatures } from './features.js';

/** Most items one callback may report (as in the strict API). */
const MAX_CALLBACK_ITEMS = 1000;

/** The fields of PaiRec's callback request (web.CallBackParam), and the strict API's experiment_id. */
const FIELDS = ['uid', 'scene_id', 'request_id', 'features', 'complex_type_features', 'item_list', 'request_info', 'debug', 'experiment_id'] as const;

export interface PairecCallback {
  readonly uid: string;
  readonly sceneId: string;
  readonly requestId: string;
  readonly experimentId: string | undefined;
  readonly items: readonly string[];
}

const required = (v: string | undefined, path: string): string => {
  if (v === undefined || v === '') throw new PairecError('ERR_MISSING_FIELD', `${path} not empty: ${path} is required`, { path });
  return v;
};

/**
 * A callback body read as PaiRec reads it: `uid`, `request_id`, `scene_id` and a
 * non-empty `item_list` are required (PaiRec's own checks); an item's `item_id` may be a
 * string or a number; `features`, `complex_type_features`, `request_info` and `debug`
 * are accepted and type-checked (PaiRec logs them for training; this engine records the
 * exposure only); unknown fields are ignored.
 */
export function parsePairecCallbackBody(body: unknown): PairecCallback {
  const f = goFields(body, FIELDS);
  const uid = required(goString(f.uid, 'uid', 256), 'uid');
  const requestId = required(goString(f.request_id, 'request_id', 128), 'request_id');
  const sceneId = required(goString(f.scene_id, 'scene_id', 128), 'scene_id');
  const list = goArray(f.item_list, 'item_list', MAX_CALLBACK_ITEMS);
  if (list === undefined || list.length === 0)
    throw new PairecError('ERR_MISSING_FIELD', 'recommend item list not empty: item_list is required', { path: 'item_list' });
  const items = list.map((entry, i) => {
    const path = `item_list.${i}.item_id`;
    const e = goObject(entry ?? undefined, `item_list.${i}`);
    const id = e?.item_id;
    if (typeof id === 'number' && Number.isFinite(id)) return String(id);
    if (typeof id === 'string' && id !== '' && id.length <= 256) return id;
    if (id === undefined || id === null || id === '') throw new PairecError('ERR_MISSING_FIELD', `${path} is required`, { path });
    throw new PairecError('ERR_INVALID_FIELD', `${path} must be a string or a number of at most 256 characters`, { path });
  });
  pairecFeatures(f.features, f.complex_type_features);
  goObject(f.request_info, 'request_info');
  goBool(f.debug, 'debug');
  return { uid, sceneId, requestId, experimentId: goString(f.experiment_id, 'experiment_id', 1024), items };
}
