import { performance } from 'node:perf_hooks';
import { PairecError } from '../errors.js';
import type { FeatureInput, FeatureMap } from '../algorithm/contract.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Candidate, PipelineContext, RecommendRequest, StageTrace } from '../pipeline/context.js';
import type { Engine, SnapshotLease } from './engine.js';
import type { RequestSpans } from '../observability/request-spans.js';
import { ExplainRecorder } from '../pipeline/explain/recorder.js';
import type { ExplainReport } from '../pipeline/explain/report.js';

export interface RecommendResult {
  readonly sceneId: string;
  readonly items: readonly Candidate[];
  readonly trace: readonly StageTrace[] | undefined;
  /** PaiRec's experiment_id of the experiments the request matched; "" for none. */
  readonly experimentId: string;
  /** Per-item decisions, when the request asked for `explain`. */
  readonly explain?: ExplainReport | undefined;
}

/**
 * The user's features: the request's, plus the catalog's embedding when it knows the
 * user and the request sent none (the caller's own vector wins, as in the recall).
 */
function userFeatures(request: RecommendRequest, catalog: Catalog | undefined): FeatureMap {
  const row = catalog?.userIndex(request.uid);
  return row === undefined || !catalog ? request.features : { embedding: catalog.userVector(row), ...request.features };
}

// Made once: an Error per request (its stack) showed in profiles; nothing reads it.
const REQUEST_FINISHED = new PairecError('ERR_ABORTED', 'request finished');

/**
 * How the caller stops a running request (the client went away): `recommend` fills in
 * `cancel` while the request runs. A plain callback, not an AbortSignal: a controller,
 * its signal and a listener per request showed in profiles (≈ 5 % of a light request).
 */
export interface RecommendHandle {
  cancel?: (() => void) | undefined;
  /** Set once the request is routed: its experiment_id, for the logs and metrics of a failed request too. */
  experimentId?: string | undefined;
}

/**
 * Runs one request on a leased snapshot with one deadline: the timer (or the handle's
 * `cancel`, when the client goes away) aborts the request's signal, which every stage
 * and outbound call observes. The answer may come at the deadline, but the lease is
 * released only when the pipeline has settled, so a reload never closes an algorithm
 * under a late run. `spans`: the request's trace when tracing samples it
 * (observability/request-spans.ts). `leased`: a lease the caller took (released here).
 */
export async function recommend(
  engine: Engine,
  request: RecommendRequest,
  handle?: RecommendHandle,
  spans?: RequestSpans,
  leased?: SnapshotLease,
): Promise<RecommendResult> {
  // A caller that read the snapshot's config to validate the request (the route's MaxSize)
  // hands its lease over, so the request runs on the snapshot it was checked against.
  const lease = leased ?? engine.acquire();
  if (!lease) throw new PairecError('ERR_NOT_READY', 'the engine is not ready');
  const { snapshot, release } = lease;
  const controller = new AbortController();
  // Whatever aborts the request (deadline, client gone) also ends the wait for the
  // pipeline: both reject `stopped` directly (no listener on the request's own signal).
  let stop: (reason: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = (reason) => {
      controller.abort(reason);
      reject(reason);
    };
  });
  stopped.catch(() => undefined); // settled after the answer when nothing races it any more
  if (handle) handle.cancel = () => stop(new PairecError('ERR_CALLER_GONE', 'the caller went away'));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let settled = false;
  try {
    // A scene some experiment layer applies to runs the pipeline of the request's experiments.
    const routed = snapshot.experiments?.route(request);
    const categories = routed ? routed.categories : snapshot.scenes.get(request.sceneId);
    if (handle && routed) handle.experimentId = routed.experimentId;
    if (!categories) {
      throw new PairecError('ERR_UNKNOWN_SCENE', `scene_id "${request.sceneId}" is not configured`, { path: 'scene_id' });
    }
    const pipeline = categories.get(request.category) ?? categories.get('default') ?? categories.values().next().value;
    if (!pipeline) throw new PairecError('ERR_UNKNOWN_SCENE', `scene_id "${request.sceneId}" has no category`, { path: 'category' });

    const timeoutMs = snapshot.config.performance.request_timeout_ms;
    const { catalog } = snapshot;
    const explain = request.explain === true ? new ExplainRecorder() : undefined;
    const ctx: PipelineContext = {
      deadline: performance.now() + timeoutMs,
      signal: controller.signal,
      requestId: request.requestId,
      spans,
      request,
      catalog,
      algorithms: snapshot.algorithms,
      // Object.assign over the catalog's shared per-row map (catalog.itemFeatureMap): one
      // small copy per candidate; spread measured 8 × slower (bench/feature-maps.ts).
      // c.features (the features stage's, FeatureConfs) come last and override the catalog's.
      itemFeatures: (c: Candidate): FeatureMap => {
        const m: Record<string, FeatureInput> = c.row >= 0 && catalog ? Object.assign({}, catalog.itemFeatureMap(c.row)) : {};
        m.recall_score = c.recallScore;
        return c.features === undefined ? m : Object.assign(m, c.features);
      },
      userFeatures: userFeatures(request, catalog),
      explain,
    };
    const trace: StageTrace[] | undefined = request.debug || explain ? [] : undefined;
    // A scene with a FallbackConfig answers its list at the deadline too: under a stall the
    // deadline's timer can fire before the fallback's own (other timer list), which gave 504s.
    let onTime: (items: Candidate[]) => void = () => undefined;
    const atDeadline = new Promise<Candidate[]>((resolve) => (onTime = resolve));
    const fb = pipeline.fallback;
    timer = setTimeout(
      () =>
        fb ? onTime(fb.serve(ctx, 'deadline', trace)) : stop(new PairecError('ERR_DEADLINE_EXCEEDED', `request exceeded request_timeout_ms (${timeoutMs} ms)`)),
      timeoutMs,
    );
    const run = pipeline.run(ctx, trace);
    running = run;
    const ended = (): void => {
      settled = true;
    };
    // Registered before the race below, so it has run by the time the race's winner returns.
    run.then(ended, ended);
    // FallbackConfig: a failed or late pipeline answers with the scene's popular list (pipeline/fallback.ts).
    const answer = pipeline.fallback ? pipeline.fallback.guard(run, ctx, trace) : run;
    const items = await Promise.race([answer, stopped, atDeadline]);
    if (explain)
      return {
        sceneId: pipeline.scene,
        items,
        trace: request.debug ? trace : undefined,
        experimentId: routed?.experimentId ?? '',
        explain: explain.report(items, trace ?? []),
      };
    return { sceneId: pipeline.scene, items, trace, experimentId: routed?.experimentId ?? '' };
  } finally {
    clearTimeout(timer);
    if (handle) handle.cancel = undefined;
    // Work still running on the signal (the pipeline after a fallback answer or a stop)
    // is cancelled; a pipeline that has settled left nothing to cancel, and an abort
    // (an event dispatched) per request showed in profiles.
    if (!settled && !controller.signal.aborted) controller.abort(REQUEST_FINISHED);
    if (running) void running.then(release, release);
    else release();
  }
}
