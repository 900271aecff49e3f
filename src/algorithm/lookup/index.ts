import type { AlgorithmTypeDef } from '../registry.js';
import { LookupConfSchema } from './config.js';
import { LookupAlgorithm } from './lookup.js';

export { LookupAlgorithm } from './lookup.js';
export type { LookupConf } from './config.js';

export const lookupType: AlgorithmTypeDef<'score', typeof LookupConfSchema> = {
  type: 'LOOKUP',
  kind: 'score',
  confKey: 'LookupConf',
  schema: LookupConfSchema,
  create: (name, conf, deps) => {
    const counter = deps.metrics.invalidValues.labels(name);
    return Promise.resolve(new LookupAlgorithm(name, conf, (n) => counter.inc(n)));
  },
};
