import { performance } from 'node:perf_hooks';
import { PairecError } from '../../errors.js';
import type { Candidate, PipelineContext } from '../context.js';
import type { RecallSource } from './recall.js';
import { NoUserVector } from './user-vector.js';

/** A scene's recall source with its own limit (RecallConfs[].Timeout, ms). */
export interface TimedRecall {
  readonly source: RecallSource;
  readonly timeoutMs: number | undefined;
}

/**
 * A source that contributed nothing: late (its timeout, the budget or the request ended),
 * failed, or without a user vector to search with. `invalid`: the request itself is at
 * fault (a user vector of the wrong length); the scene answers 4xx with `error`.
 */
export interface RecallFailure {
  readonly name: string;
  readonly reason: 'timeout' | 'error' | 'no_user_vector' | 'invalid';
  readonly message: string;
  readonly error?: PairecError;
}

// Reasons of the aborts that end a finished run: made once, as building an Error (its
// stack) per request showed in profiles, and nothing reads their stack.
const RECALL_FINISHED = new PairecError('ERR_ABORTED', 'recall finished');

/**
 * A signal and a "late" promise that fire at `end` (performance.now() clock) or when the
 * request aborts. The request's abort reaches it through a listener, not AbortSignal.any,
 * which costs weak references and a finalizer per call. `done(outstanding)` ends it: the
 * timer is cleared and, when a source failed or is late (its work may still run on the
 * signal), the signal aborts. When every source answered nothing is left to cancel, and
 * the abort (an event dispatched) is skipped: it showed in profiles.
 */
interface Limit {
  readonly signal: AbortSignal;
  readonly late: Promise<never>;
  readonly end: number;
  done(outstanding: boolean): void;
}

function limitUntil(end: number, ctx: PipelineContext): Limit {
  const own = new AbortController();
  const ms = Math.max(0, end - performance.now());
  let reject: (e: unknown) => void = () => undefined;
  const late = new Promise<never>((_, r) => {
    reject = r;
  });
  // Nobody may await `late` (every source answered): a rejection then is expected.
  late.catch(() => undefined);
  const timer = setTimeout(() => {
    const e = new PairecError('ERR_DEADLINE_EXCEEDED', `no answer within ${Math.round(ms)} ms`);
    own.abort(e);
    reject(e);
  }, ms);
  const follow = (): void => {
    own.abort(ctx.signal.reason);
    reject(ctx.signal.reason);
  };
  if (ctx.signal.aborted) follow();
  else ctx.signal.addEventListener('abort', follow, { once: true });
  return {
    signal: own.signal,
    late,
    end,
    done: (outstanding) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', follow);
      if (outstanding && !own.signal.aborted) own.abort(RECALL_FINISHED);
    },
  };
}

const isFailure = (r: readonly Candidate[] | RecallFailure): r is RecallFailure => !Array.isArray(r);

/** One source within `limit`; a source with its own shorter Timeout gets a limit of its own. */
async function runOne(r: TimedRecall, ctx: PipelineContext, stage: Limit): Promise<readonly Candidate[] | RecallFailure> {
  const ownEnd = r.timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + r.timeoutMs;
  const limit = ownEnd < stage.end ? limitUntil(ownEnd, ctx) : stage;
  let answered = false;
  try {
    const sub: PipelineContext = { ...ctx, signal: limit.signal, deadline: Math.min(ctx.deadline, limit.end) };
    const candidates = await Promise.race([r.source.recall(sub), limit.late]);
    answered = true;
    return candidates;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof NoUserVector) return { name: r.source.name, reason: 'no_user_vector', message };
    if (err instanceof PairecError && err.status < 500) return { name: r.source.name, reason: 'invalid', message, error: err };
    const timedOut = limit.signal.aborted || ctx.signal.aborted;
    return { name: r.source.name, reason: timedOut ? 'timeout' : 'error', message };
  } finally {
    if (limit !== stage) limit.done(!answered);
  }
}

/**
 * Fans out to every source at once. Each gets the smaller of its own Timeout and what is
 * left of the scene's recall budget (`budgetMs` from now, never past the request's
 * deadline); a source that fails or is late contributes nothing and is reported. The
 * sources without a shorter Timeout share one signal and timer for the budget (a
 * controller, timer and listener each per source showed in profiles).
 */
export async function fanOutRecalls(
  recalls: readonly TimedRecall[],
  ctx: PipelineContext,
  budgetMs: number,
): Promise<{ candidates: Candidate[]; failures: RecallFailure[] }> {
  const stage = limitUntil(Math.min(ctx.deadline, performance.now() + budgetMs), ctx);
  // runOne never rejects: a source's failure is a result, and only failed or late
  // sources can leave work running on the budget's signal.
  const results = await Promise.all(recalls.map((r) => runOne(r, ctx, stage)));
  stage.done(results.some(isFailure));
  let candidates: Candidate[] = [];
  const failures: RecallFailure[] = [];
  for (const r of results) {
    if (isFailure(r)) failures.push(r);
    else candidates = candidates.concat(r);
  }
  return { candidates, failures };
}
