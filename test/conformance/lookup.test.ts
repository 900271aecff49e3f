import { lookupType } from '../../src/algorithm/lookup/index.js';
import { buildDeps } from '../helpers/context.js';
import { algorithmConformance } from './suite.js';

algorithmConformance({
  def: lookupType,
  conf: { FieldName: 'ctr' },
  deps: () => buildDeps(),
  inputs: [{ items: [{ ctr: 0.3 }, { ctr: 0.9 }, {}, { ctr: 'x' }, { ctr: null }] }, { items: Array.from({ length: 500 }, (_, i) => ({ ctr: i / 500 })) }],
  emptyInput: { items: [] },
});
