import { after } from 'node:test';
import { easType } from '../../src/algorithm/eas/index.js';
import { kserveType } from '../../src/algorithm/kserve/index.js';
import { tfservingType } from '../../src/algorithm/tfserving/index.js';
import { buildDeps } from '../helpers/context.js';
import { rankInput, startModelServerProcess } from '../helpers/model-server.js';
import { TINY_SPEC } from '../helpers/tiny-model.js';
import { algorithmConformance } from './suite.js';

// One real `pairec model-server` process serves every remote type: they are only ever network clients.
const server = await startModelServerProcess(['--token', 'secret']);
after(() => server.proc.stop('SIGKILL'));

const sample = {
  deps: () => buildDeps(),
  inputs: [rankInput(1, 1), rankInput(2, 40), rankInput(3, 250)],
  emptyInput: { items: [] },
};

algorithmConformance({
  ...sample,
  def: easType,
  conf: {
    Processor: 'EasyRec',
    Url: `${server.base}/api/predict/tiny`,
    Auth: 'secret',
    Timeout: 2000,
    Outputs: ['score', 'logit'],
    ResponseFuncName: 'easyrecMutValResponseFunc',
  },
});
algorithmConformance({
  ...sample,
  def: easType,
  conf: { Processor: 'TensorFlow', Url: `${server.base}/api/predict/tiny_tf`, Auth: 'secret', Timeout: 2000, Outputs: ['score'], Features: TINY_SPEC },
});
algorithmConformance({
  ...sample,
  def: easType,
  conf: { Processor: 'PMML', Url: `${server.base}/api/predict/tiny_pmml`, Auth: 'secret', Timeout: 2000 },
});
algorithmConformance({
  ...sample,
  def: tfservingType,
  conf: { Url: `${server.base}/v1/models/tiny:predict`, Timeout: 2000, Outputs: ['score'], Features: TINY_SPEC },
});
algorithmConformance({
  ...sample,
  def: kserveType,
  conf: { Url: server.base, ModelName: 'tiny', Timeout: 2000, OutputName: 'score', Features: TINY_SPEC },
});
algorithmConformance({
  ...sample,
  def: kserveType,
  conf: { Url: server.base, ModelName: 'tiny', Timeout: 2000, OutputName: 'score', Features: TINY_SPEC, BinaryData: true },
});
