import type { Config } from '../../config/schema.js';
import type { Candidate } from '../../pipeline/context.js';
import type { RecommendRequest } from '../../pipeline/context.js';

/** PaiRec's answer when fewer items came out than the request's size. */
export const SIZE_NOT_ENOUGH = { code: 299, msg: 'items size not enough' } as const;
export const SUCCESS = { code: 200, msg: 'success' } as const;

const itemTypes = new WeakMap<Config, ReadonlyMap<string, string>>();

/**
 * PaiRec's `item_type` of an item is the `ItemType` of the recall that found it ("" when
 * unset). Read from the config once per config generation; a recall config without the
 * key gives "".
 */
function itemTypesOf(config: Config): ReadonlyMap<string, string> {
  let m = itemTypes.get(config);
  if (!m) {
    const byRecall = new Map<string, string>();
    for (const r of config.RecallConfs) {
      if ('ItemType' in r && typeof r.ItemType === 'string') byRecall.set(r.Name, r.ItemType);
    }
    itemTypes.set(config, byRecall);
    m = byRecall;
  }
  return m;
}

export interface PairecItem {
  readonly item_id: string;
  readonly item_type: string;
  readonly retrieve_id: string;
  readonly score: number;
}

/**
 * A recommend answer in PaiRec's shape: code 200 "success", or 299 "items size not
 * enough" when fewer items than asked came out (still HTTP 200, the items there are).
 */
export function pairecRecommendReply(
  config: Config,
  request: RecommendRequest,
  items: readonly Candidate[],
  experimentId: string,
): { code: number; msg: string; request_id: string; size: number; experiment_id: string; items: PairecItem[] } {
  const types = itemTypesOf(config);
  const out = items.map((c) => ({ item_id: c.itemId, item_type: types.get(c.retrieveId) ?? '', retrieve_id: c.retrieveId, score: c.score }));
  const status = out.length < request.size ? SIZE_NOT_ENOUGH : SUCCESS;
  return { ...status, request_id: request.requestId, size: out.length, experiment_id: experimentId, items: out };
}
