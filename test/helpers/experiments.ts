import { smallConfig } from './config.js';

export type AB = { Layers: Record<string, unknown>[] } & Record<string, unknown>;

/** smallConfig with a two-layer ABTestConf: rank A/B in layer 1, recall count A/B in layer 2. */
export function withExperiments(change: (ab: AB) => void = () => undefined, cacheDir = '/tmp/unused'): Record<string, unknown> {
  const c = smallConfig(cacheDir);
  const ab = {
    ExpRoomId: 1,
    Layers: [
      {
        LayerId: 1,
        Scenes: ['default_scene'],
        ExperimentGroups: [
          {
            ExpGroupId: 1,
            Experiments: [
              { ExperimentId: 1, Buckets: '0-49', Params: {} },
              { ExperimentId: 2, Buckets: '50-99', Params: { RankConf: { RankAlgoList: ['popularity_lookup'] } } },
            ],
          },
        ],
      },
      {
        LayerId: 2,
        ExperimentGroups: [
          {
            ExpGroupId: 2,
            Experiments: [
              { ExperimentId: 3, Buckets: '0-49', Params: { RecallCounts: { hot_recall: 10 } } },
              { ExperimentId: 4, Buckets: '50-99', Params: {} },
            ],
          },
        ],
      },
    ],
  } as AB;
  change(ab);
  c.ABTestConf = ab;
  return c;
}

/** Experiment `index` of layer `layer`'s first group. */
export const exp = (ab: AB, layer: number, index: number): Record<string, unknown> =>
  ((ab.Layers[layer] as { ExperimentGroups: { Experiments: Record<string, unknown>[] }[] }).ExperimentGroups[0] as { Experiments: Record<string, unknown>[] })
    .Experiments[index] as Record<string, unknown>;
