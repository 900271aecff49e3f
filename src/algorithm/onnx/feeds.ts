import type { ScoreInput } from '../contract.js';
import type { FeatureMap } from '../contract.js';
import { assembleRows, assembleUserRow } from '../feature-spec.js';
import type { RowBuffer } from '../feature-spec.js';
import type { InputPlan, InputType } from './layout.js';

/** One input tensor of a run, by name. */
export interface Feed {
  readonly name: string;
  readonly type: InputType;
  readonly data: Float32Array | BigInt64Array;
  readonly dims: readonly number[];
}

/** A run over rows [from, to): one user's stretch when a broadcast input needs its own user row. */
export interface FeedRun {
  readonly from: number;
  readonly to: number;
  readonly feeds: readonly Feed[];
}

/** Floats per row the pooled buffer holds: the per-row float32 inputs' widths. */
export const pooledRowWidth = (plans: readonly InputPlan[]): number => plans.reduce((w, p) => w + (p.perRow && p.type === 'float32' ? p.width : 0), 0);

/** Integers are assembled as float64 (exact to 2^53) and converted; a non-finite value becomes 0. */
function toInt64(src: RowBuffer): BigInt64Array {
  const out = new BigInt64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i] as number;
    out[i] = Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  }
  return out;
}

const tensorData = (plan: InputPlan, values: RowBuffer): Float32Array | BigInt64Array => (plan.type === 'int64' ? toInt64(values) : (values as Float32Array));

/** Stretches of rows sharing a user: one for a request, one per user for coalesced runs. */
function stretches(input: ScoreInput, n: number, split: boolean): { from: number; to: number; user: FeatureMap | undefined }[] {
  const users = input.users;
  if (!split || !users) return [{ from: 0, to: n, user: input.user ?? users?.[0] }];
  const out: { from: number; to: number; user: FeatureMap | undefined }[] = [];
  for (let from = 0; from < n;) {
    let to = from + 1;
    while (to < n && users[to] === users[from]) to++;
    out.push({ from, to, user: users[from] });
    from = to;
  }
  return out;
}

/**
 * Assembles every input of a run: per-row inputs once for all n rows (float32 ones in
 * `pooled`, at least n × pooledRowWidth floats), user-only broadcast inputs once per
 * user. Returns the runs to make and the unusable feature values met.
 */
export function assembleFeeds(plans: readonly InputPlan[], input: ScoreInput, n: number, pooled: Float32Array): { runs: FeedRun[]; invalid: number } {
  let invalid = 0;
  let offset = 0;
  const rows = new Map<string, RowBuffer>();
  const items = input.rows ?? input.items;
  for (const plan of plans) {
    if (!plan.perRow) continue;
    let out: RowBuffer;
    if (plan.type === 'float32') {
      out = pooled.subarray(offset, offset + n * plan.width);
      offset += n * plan.width;
    } else out = new Float64Array(n * plan.width);
    // Row-aligned users come from coalesced runs (batching); otherwise one user for all rows.
    invalid += assembleRows(plan.spec, input.users ?? input.user, items, out);
    rows.set(plan.name, out);
  }
  const runs = stretches(
    input,
    n,
    plans.some((p) => !p.perRow),
  ).map(({ from, to, user }) => {
    const feeds = plans.map((plan): Feed => {
      const perRow = rows.get(plan.name);
      if (perRow)
        return {
          name: plan.name,
          type: plan.type,
          data: tensorData(plan, perRow.subarray(from * plan.width, to * plan.width)),
          dims: [to - from, ...plan.dims],
        };
      const one = plan.type === 'float32' ? new Float32Array(plan.width) : new Float64Array(plan.width);
      invalid += assembleUserRow(plan.spec, user, one);
      return { name: plan.name, type: plan.type, data: tensorData(plan, one), dims: [1, ...plan.dims] };
    });
    return { from, to, feeds };
  });
  return { runs, invalid };
}
