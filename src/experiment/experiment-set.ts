import { ConfigError, PairecError } from '../errors.js';
import type { Config } from '../config/schema.js';
import type { RecommendRequest } from '../pipeline/context.js';
import { compileLayout, matchLayer, requestFields } from './layout.js';
import type { LayerOutcome, LayoutProblem } from './layout.js';
import { combinationOf, experimentId, outcomesOf, paramsOf, sceneLayers } from './combinations.js';
import type { SceneLayers } from './combinations.js';
import { isEmpty, sceneConfig } from './params.js';

/** What a request runs: its experiment_id and the scene's categories under its parameters. */
export interface Route<C> {
  readonly experimentId: string;
  readonly categories: C;
}

interface SceneRoutes<C> {
  readonly layers: SceneLayers;
  /** By combination index. */
  readonly routes: readonly Route<C>[];
}

/**
 * The serving config's experiments: every combination of every scene compiled at load
 * (parameters resolved once, pipelines built with the config), so a request pays one
 * hash per layer and an array read. Generic over what a scene compiles to.
 */
export class ExperimentSet<C> {
  readonly #scenes: ReadonlyMap<string, SceneRoutes<C>>;
  readonly #bucketCount: number;
  /** Every experiment_id a request can get: the only values used as metric labels. */
  readonly ids: ReadonlySet<string>;

  constructor(scenes: ReadonlyMap<string, SceneRoutes<C>>, bucketCount: number) {
    this.#scenes = scenes;
    this.#bucketCount = bucketCount;
    const ids = new Set<string>();
    for (const s of scenes.values()) for (const r of s.routes) if (r.experimentId !== '') ids.add(r.experimentId);
    this.ids = ids;
  }

  /** Scenes some layer applies to. */
  has(scene: string): boolean {
    return this.#scenes.has(scene);
  }

  /** The request's route, or undefined when no layer applies to its scene. */
  route(request: RecommendRequest): Route<C> | undefined {
    const scene = this.#scenes.get(request.sceneId);
    if (!scene) return undefined;
    const fields = requestFields(request);
    const { layers } = scene;
    let k = 0;
    for (let i = 0; i < layers.layers.length; i++) {
      const o = matchLayer(layers.layers[i] as SceneRoutes<C>['layers']['layers'][number], request, fields, this.#bucketCount);
      if (o.group >= 0) k += (layers.strides[i] as number) * ((layers.offsets[i]?.[o.group] as number) + 1 + o.experiment);
    }
    return scene.routes[k];
  }
}

const toErrors = (problems: readonly LayoutProblem[]): PairecError[] =>
  problems.map((p) => new PairecError('ERR_CONFIG_INVALID', `${p.path}: ${p.message}`, { path: p.path }));

/**
 * Builds the experiments of a validated config. `compile` turns a one-scene config into
 * that scene's categories (pipeline/scene.ts's compileScenes); `base` is the scene's own.
 * Combinations with the same parameters share one compiled scene. Undefined when the
 * config has no experiments or their kill switch (ABTestConf.Enabled) is off.
 */
export function buildExperiments<C>(
  config: Config,
  base: (scene: string) => C | undefined,
  compile: (derived: Config, scene: string) => C | undefined,
): ExperimentSet<C> | undefined {
  const conf = config.ABTestConf;
  if (!conf?.Enabled || conf.Layers.length === 0) return undefined;
  const problems: LayoutProblem[] = [];
  const layout = compileLayout(conf, problems);
  if (problems.length > 0) throw new ConfigError(toErrors(problems));
  const scenes = new Map<string, SceneRoutes<C>>();
  for (const scene of Object.keys(config.SceneConfs)) {
    const layers = sceneLayers(layout, scene);
    const own = base(scene);
    if (!layers || own === undefined) continue;
    const byParams = new Map<string, C>();
    const routes: Route<C>[] = [];
    for (let k = 0; k < layers.combinations; k++) {
      const outcomes: LayerOutcome[] = outcomesOf(layers, k);
      const { params } = paramsOf(layers, outcomes);
      let categories = own;
      if (!isEmpty(params)) {
        const key = JSON.stringify(params);
        const cached = byParams.get(key);
        if (cached !== undefined) categories = cached;
        else {
          const built = compile(sceneConfig(config, scene, params), scene);
          if (built === undefined) throw new PairecError('ERR_INTERNAL', `scene "${scene}" did not compile under experiment parameters`);
          byParams.set(key, built);
          categories = built;
        }
      }
      // combinationOf(outcomesOf(k)) === k: routes are indexed as route() computes them.
      routes[combinationOf(layers, outcomes)] = { experimentId: experimentId(conf, layers, outcomes), categories };
    }
    scenes.set(scene, { layers, routes });
  }
  return new ExperimentSet(scenes, conf.BucketCount);
}
