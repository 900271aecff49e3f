import { annType } from '../../src/algorithm/ann/index.js';
import { createCatalog } from '../../src/catalog/catalog.js';
import { demoCatalogData, generateDemo } from '../../src/catalog/demo.js';
import { buildDeps } from '../helpers/context.js';
import { algorithmConformance } from './suite.js';

const catalog = createCatalog(
  demoCatalogData(generateDemo({ items: 1500, users: 20, dim: 16, clusters: 30, categories: 5, seed: 3 })),
  'conformance',
);

const inputs = [
  { vectors: [catalog.userVector(0)], k: 10 },
  { vectors: [catalog.userVector(1), catalog.userVector(2), catalog.userVector(3)], k: 100 },
];

algorithmConformance({
  def: annType,
  conf: { Index: 'flat' },
  deps: () => buildDeps({ catalog }),
  inputs,
  emptyInput: { vectors: [], k: 10 },
});

algorithmConformance({
  def: annType,
  conf: { M: 8, EfConstruction: 50, EfSearch: 40 },
  deps: () => buildDeps({ catalog }),
  inputs,
  emptyInput: { vectors: [], k: 10 },
});

algorithmConformance({
  def: annType,
  conf: { Index: 'ivf', Nlist: 40, Nprobe: 8 },
  deps: () => buildDeps({ catalog }),
  inputs,
  emptyInput: { vectors: [], k: 10 },
});
