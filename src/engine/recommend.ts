import { performance } from 'node:perf_hooks';
import { PairecError } from '../errors.js';
import type { FeatureMap } from '../algorithm/contract.js';
import type { Candidate, PipelineContext, RecommendRequest, StageTrace } from '../pipeline/context.js';
import type { Engine } from './engine.js';

export interface RecommendResult {
  readonly sceneId: string;
  readonly items: readonly Candidate[];
  readonly trace: readonly StageTrace[] | undefined;
}

/**
 * Runs one request on a leased snapshot with one deadline: the timer aborts the
 * request's signal, which every stage and outbound call observes; the lease is released
 * and the signal aborted when the request ends, whichever way it ends.
 */
export async function recommend(engine: Engine, request: RecommendRequest): Promise<RecommendResult> {
  const lease = engine.acquire();
  if (!lease) throw new PairecError('ERR_NOT_READY', 'the engine is not ready');
  const { snapshot, release } = lease;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    const categories = snapshot.scenes.get(request.sceneId);
    if (!categories) {
      throw new PairecError('ERR_UNKNOWN_SCENE', `scene_id "${request.sceneId}" is not configured`, { path: 'scene_id' });
    }
    const pipeline = categories.get(request.category) ?? categories.get('default') ?? categories.values().next().value;
    if (!pipeline) throw new PairecError('ERR_UNKNOWN_SCENE', `scene_id "${request.sceneId}" has no category`, { path: 'category' });

    const timeoutMs = snapshot.config.performance.request_timeout_ms;
    const { catalog } = snapshot;
    const ctx: PipelineContext = {
      deadline: performance.now() + timeoutMs,
      signal: controller.signal,
      requestId: request.requestId,
      request,
      catalog,
      algorithms: snapshot.algorithms,
      itemFeatures: (c: Candidate): FeatureMap => ({
        ...(c.row >= 0 ? catalog?.itemFeatures[c.row] : undefined),
        recall_score: c.recallScore,
      }),
    };
    const trace: StageTrace[] | undefined = request.debug ? [] : undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new PairecError('ERR_DEADLINE_EXCEEDED', `request exceeded request_timeout_ms (${timeoutMs} ms)`);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
    });
    const items = await Promise.race([pipeline.run(ctx, trace), expired]);
    return { sceneId: pipeline.scene, items, trace };
  } finally {
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort(new PairecError('ERR_ABORTED', 'request finished'));
    release();
  }
}
