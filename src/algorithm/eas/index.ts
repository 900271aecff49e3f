import { PairecError } from '../../errors.js';
import type { AlgorithmTypeDef } from '../registry.js';
import { remoteScoreAlgorithm } from '../remote/remote-score.js';
import type { ScoreCodec } from '../remote/remote-score.js';
import { EAS_PROCESSORS, EasConfSchema } from './config.js';
import type { EasConf } from './config.js';
import { easyRecCodec, pmmlCodec, tensorFlowCodec } from '../../wire/eas-codecs.js';

export type { EasConf } from './config.js';

const CODECS: Readonly<Record<(typeof EAS_PROCESSORS)[number], (conf: EasConf) => ScoreCodec>> = {
  EasyRec: easyRecCodec,
  PMML: pmmlCodec,
  TensorFlow: tensorFlowCodec,
};

const isProcessor = (p: string): p is (typeof EAS_PROCESSORS)[number] => (EAS_PROCESSORS as readonly string[]).includes(p);

/** EAS (`EasConf`): scores from a PAI-EAS service (EasyRec, PMML or TensorFlow processor). */
export const easType: AlgorithmTypeDef<'score', typeof EasConfSchema> = {
  type: 'EAS',
  kind: 'score',
  remote: true,
  endpoint: (conf) => conf.Url,
  confKey: 'EasConf',
  schema: EasConfSchema,
  unsupported: (conf) => {
    if (!isProcessor(conf.Processor))
      return { key: 'Processor', why: `Processor "${conf.Processor}" is not supported (supported: ${EAS_PROCESSORS.join(', ')})` };
    // PaiRec builds a TensorFlow model's PredictRequest in the application's code
    // (RegistRequestDataFunc); here the input rows are declared instead.
    if (conf.Processor === 'TensorFlow' && conf.Features === undefined) {
      return {
        key: 'Features',
        why: "a TensorFlow model's input is built by PaiRec in application code (RegistRequestDataFunc), which is not supported; declare its input rows here (EasConf.Features: User, Item; docs/configuration.md)",
      };
    }
    return undefined;
  },
  create: (name, conf, deps) => {
    const fail = (why: string): Promise<never> => Promise.reject(new PairecError('ERR_ALGORITHM_BUILD', `EAS "${name}": ${why}`, { path: `EasConf` }));
    if (!isProcessor(conf.Processor)) {
      return fail(`Processor "${conf.Processor}" is not supported (supported: ${EAS_PROCESSORS.join(', ')})`);
    }
    let codec: ScoreCodec;
    try {
      new URL(conf.Url);
      codec = CODECS[conf.Processor](conf);
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    return remoteScoreAlgorithm(name, 'EAS', conf.Url, conf, codec, deps);
  },
};
