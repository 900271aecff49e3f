import { ConfigError } from '../errors.js';
import type { PairecError } from '../errors.js';
import type { ConfigVocabulary } from '../config/validate.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../config/schema.js';
import { checkFileCatalogFields } from '../config/pipeline-references.js';
import { loadFeatureFiles } from '../features/file-features.js';
import type { FeatureTable, ModelDims } from '../features/file-features.js';
import { modelFeatureDims, sceneModelDims, vectorDimProblems } from '../features/vector-checks.js';
import type { SpecDims } from '../features/vector-checks.js';

/** What a load reads of local files besides the catalog, and the model Dims they were checked at. */
export interface LocalData {
  readonly specDims: (algoName: string) => SpecDims | undefined;
  readonly modelDims: ModelDims;
  readonly featureFiles: ReadonlyMap<string, FeatureTable>;
}

/** Runs a check that throws ConfigError, adding its problems to `problems` instead. */
async function collect(problems: PairecError[], check: () => unknown): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
}

/**
 * The checks of a config load that need its local data, once the catalog is read: the
 * fields filters and sorts name exist in a file catalog, declared vector lengths match
 * the models of their scene, and feature files load (row by row, at the Dim their
 * scene's models read). The engine's load and `pairec validate` both run this, so a
 * config validate passes is one serve loads. Every problem of the steps is reported at
 * once (feature files are read only when the Dims agree: a file is checked at them).
 */
export async function checkLocalData(config: Config, vocab: ConfigVocabulary, catalog: Catalog | undefined): Promise<LocalData> {
  const problems: PairecError[] = [];
  // A file or table catalog's field names are known now: filters and sorts must name real ones.
  if (config.CatalogConf !== undefined && config.CatalogConf.Source !== 'demo' && catalog)
    await collect(problems, () => checkFileCatalogFields(config, vocab, [...(catalog.itemColumns?.keys() ?? [])]));
  // A declared vector length no model of its scene reads fails the load, not every row.
  const specDims = modelFeatureDims(config, vocab.algorithms);
  const dimProblems = vectorDimProblems(config, specDims);
  problems.push(...dimProblems);
  // A file's vectors are checked row by row at the Dim its scene's models read them at.
  const modelDims = sceneModelDims(config, specDims);
  let featureFiles: ReadonlyMap<string, FeatureTable> = new Map();
  if (dimProblems.length === 0) await collect(problems, async () => (featureFiles = await loadFeatureFiles(config, modelDims)));
  if (problems.length > 0) throw new ConfigError(problems);
  return { specDims, modelDims, featureFiles };
}
