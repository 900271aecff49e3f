import { performance } from 'node:perf_hooks';
import { PairecError } from '../../errors.js';
import type { Candidate, PipelineContext } from '../context.js';
import type { RecallSource } from './recall.js';

/** A scene's recall source with its own limit (RecallConfs[].Timeout, ms). */
export interface TimedRecall {
  readonly source: RecallSource;
  readonly timeoutMs: number | undefined;
}

/** A source that contributed nothing: late (its timeout, the budget or the request ended) or failed. */
export interface RecallFailure {
  readonly name: string;
  readonly reason: 'timeout' | 'error';
  readonly message: string;
}

// Reasons of the aborts that end a finished run: made once, as building an Error (its
// stack) per request showed in profiles, and nothing reads their stack.
const RECALL_FINISHED = new PairecError('ERR_ABORTED', 'recall finished');

async function runOne(r: TimedRecall, ctx: PipelineContext, budgetEnd: number): Promise<readonly Candidate[] | RecallFailure> {
  const now = performance.now();
  const end = Math.min(budgetEnd, r.timeoutMs === undefined ? Number.POSITIVE_INFINITY : now + r.timeoutMs);
  const limit = Math.max(0, end - now);
  // The source's own signal: a late source's outstanding calls are cancelled, not left running.
  const own = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new PairecError('ERR_DEADLINE_EXCEEDED', `no answer within ${Math.round(limit)} ms`);
      own.abort(e);
      reject(e);
    }, limit);
  });
  // The request's abort reaches the source through `own` (a listener, not AbortSignal.any,
  // which costs weak references and a finalizer per call).
  const follow = (): void => own.abort(ctx.signal.reason);
  if (ctx.signal.aborted) follow();
  else ctx.signal.addEventListener('abort', follow, { once: true });
  try {
    const sub: PipelineContext = { ...ctx, signal: own.signal, deadline: Math.min(ctx.deadline, end) };
    return await Promise.race([r.source.recall(sub), late]);
  } catch (err) {
    const timedOut = own.signal.aborted || ctx.signal.aborted;
    return { name: r.source.name, reason: timedOut ? 'timeout' : 'error', message: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', follow);
    if (!own.signal.aborted) own.abort(RECALL_FINISHED);
  }
}

/**
 * Fans out to every source at once. Each gets the smaller of its own Timeout and what is
 * left of the scene's recall budget (`budgetMs` from now, never past the request's
 * deadline); a source that fails or is late contributes nothing and is reported.
 */
export async function fanOutRecalls(
  recalls: readonly TimedRecall[],
  ctx: PipelineContext,
  budgetMs: number,
): Promise<{ candidates: Candidate[]; failures: RecallFailure[] }> {
  const budgetEnd = Math.min(ctx.deadline, performance.now() + budgetMs);
  const results = await Promise.all(recalls.map((r) => runOne(r, ctx, budgetEnd)));
  let candidates: Candidate[] = [];
  const failures: RecallFailure[] = [];
  for (const r of results) {
    if ('reason' in r && !Array.isArray(r)) failures.push(r as RecallFailure);
    else candidates = candidates.concat(r as Candidate[]);
  }
  return { candidates, failures };
}
