import type { RedisClient } from '../../store/redis.js';

/** One entry of a stored item list: an item id and its score (or weight). */
export interface ScoredId {
  readonly id: string;
  readonly score: number;
}

/** How a Redis key holds a list (RecallConfs[].DaoConf.RedisDataType). */
export type ListDataType = 'string' | 'list' | 'zset';

/**
 * One entry as PaiRec's u2i / i2i tables write them: `item_id:score`, or a bare
 * `item_id` (then `missing`). The last colon splits, so ids may contain colons; a
 * suffix that is not a finite number is part of the id.
 */
export function parseEntry(raw: string, missing: number): ScoredId | undefined {
  const t = raw.trim();
  if (t === '') return undefined;
  const at = t.lastIndexOf(':');
  if (at > 0) {
    const tail = t.slice(at + 1).trim();
    const n = tail === '' ? Number.NaN : Number(tail);
    if (Number.isFinite(n)) return { id: t.slice(0, at).trim(), score: n };
  }
  return { id: t, score: missing };
}

/** PaiRec's list string `item1:0.9,item2:0.5,item3`: at most `limit` entries, in stored order. */
export function parseScoredList(raw: string, missing: number, limit = Number.POSITIVE_INFINITY): ScoredId[] {
  const out: ScoredId[] = [];
  let start = 0;
  // Split by hand so a long stored string is not copied into an array of every entry past `limit`.
  while (start <= raw.length && out.length < limit) {
    let end = raw.indexOf(',', start);
    if (end < 0) end = raw.length;
    const e = parseEntry(raw.slice(start, end), missing);
    if (e) out.push(e);
    start = end + 1;
  }
  return out;
}

/** A reply as a list: GET → string or null, LRANGE → entries, ZREVRANGE WITHSCORES → id, score, id, score… */
export function toScoredList(type: ListDataType, reply: unknown, missing: number, limit: number): ScoredId[] {
  if (type === 'string') return typeof reply === 'string' ? parseScoredList(reply, missing, limit) : [];
  if (!Array.isArray(reply)) return [];
  const out: ScoredId[] = [];
  if (type === 'list') {
    for (const r of reply) {
      const e = typeof r === 'string' ? parseEntry(r, missing) : undefined;
      if (e) out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }
  for (let i = 0; i + 1 < reply.length && out.length < limit; i += 2) {
    const id = reply[i];
    const score = Number(reply[i + 1]);
    if (typeof id === 'string') out.push({ id, score: Number.isFinite(score) ? score : missing });
  }
  return out;
}

/**
 * Reads one list per key in one round trip: a pipeline on a single node, auto-pipelined
 * commands per node on a cluster (a pipeline there cannot span slots). A missing key
 * reads as an empty list; a failed command rejects the whole read.
 */
export async function readScoredLists(client: RedisClient, keys: readonly string[], type: ListDataType, limit: number, missing: number): Promise<ScoredId[][]> {
  if (keys.length === 0) return [];
  const stop = limit - 1;
  let replies: unknown[];
  if (client.isCluster) {
    replies = await Promise.all(
      keys.map((k): Promise<unknown> =>
        type === 'string' ? client.get(k) : type === 'list' ? client.lrange(k, 0, stop) : client.zrevrange(k, 0, stop, 'WITHSCORES'),
      ),
    );
  } else {
    const p = client.pipeline();
    for (const k of keys) {
      if (type === 'string') p.get(k);
      else if (type === 'list') p.lrange(k, 0, stop);
      else p.zrevrange(k, 0, stop, 'WITHSCORES');
    }
    const res = (await p.exec()) ?? [];
    replies = res.map(([err, v]) => {
      if (err) throw err;
      return v;
    });
  }
  return replies.map((r) => toScoredList(type, r, missing, limit));
}
