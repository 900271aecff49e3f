import { pino } from 'pino';
import { loadCatalog, catalogSignature } from '../../src/catalog/load.js';
import { loadOrBuildIndex } from '../../src/vector/vector-index.js';
import { signatureOf } from '../../src/algorithm/signature.js';
import { createSession, declaredInputs, outputNameOf, scoreFeeds } from '../../src/algorithm/onnx/session.js';
import { planInputs } from '../../src/algorithm/onnx/layout.js';
import type { Feed } from '../../src/algorithm/onnx/feeds.js';
import { resolveModelPath } from '../../src/algorithm/onnx/index.js';
import type { Config } from '../../src/config/schema.js';
import { indexSpec, searchEffort } from '../../src/algorithm/ann/config.js';
import type { AnnConf } from '../../src/algorithm/ann/config.js';
import type { OnnxConf } from '../../src/algorithm/onnx/config.js';
import { median } from '../stats.js';

export interface ComponentCosts {
  /** CPU µs of one ANN search (k = the scene's RecallCount, the configured ef or nprobe). */
  readonly annUs: number;
  readonly annK: number;
  /** The index and its search knob, e.g. "hnsw ef=300" or "ivf nprobe=24". */
  readonly annSetting: string;
  /** recall@k of that search against exact inner-product search, over sample users. */
  readonly annRecall: number;
  /** CPU µs of one model run on `modelRows` rows. */
  readonly modelUs: number;
  readonly modelRows: number;
}

const cpuUs = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/**
 * The unavoidable parts of one RW-100k request, each alone on one thread, in CPU time
 * (so a busy machine moves them little): the vector search the scene runs and the model
 * run on the candidates it ranks. Uses the server's cached catalog and index files.
 */
export async function measureComponents(config: Config, scene: string, modelRows: number): Promise<ComponentCosts> {
  const logger = pino({ level: 'warn' });
  const catalogConf = config.CatalogConf;
  if (!catalogConf) throw new Error('the config has no CatalogConf');
  const recallNames = Object.values(config.SceneConfs[scene] ?? {})[0]?.RecallNames ?? [];
  const vector = config.RecallConfs.find((r) => recallNames.includes(r.Name) && r.RecallType === 'VectorRecall');
  const annAlgo = config.AlgoConfs.find((a) => a.Name === vector?.AlgoName && a.Type === 'ANN');
  const rankName = config.RankConf[scene]?.RankAlgoList[0];
  const onnxAlgo = config.AlgoConfs.find((a) => a.Name === rankName && a.Type === 'ONNX');
  if (!vector || !annAlgo || !onnxAlgo) throw new Error(`scene "${scene}" needs a VectorRecall over an ANN algorithm and an ONNX rank`);
  const ann = (annAlgo as Record<string, unknown>).AnnConf as AnnConf;
  const onnx = (onnxAlgo as Record<string, unknown>).OnnxConf as OnnxConf;

  const catalog = await loadCatalog(catalogConf, logger);
  const spec = indexSpec(ann);
  const effort = searchEffort(ann);
  const cacheDir = catalogConf.CacheDir === '' ? undefined : catalogConf.CacheDir;
  const index = await loadOrBuildIndex(
    spec,
    catalog.itemEmbeddings,
    catalog.dim,
    cacheDir === undefined ? undefined : { dir: cacheDir, key: signatureOf(catalogSignature(catalogConf), spec) },
    logger,
    new AbortController().signal,
  );
  const k = vector.RecallCount;
  const users = catalog.userIds.length;
  const q = (i: number): Float32Array => catalog.userVector(i % users);
  for (let i = 0; i < 200; i++) index.search(q(i), k, effort);
  const annRounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const n = 400;
    const t0 = cpuUs();
    for (let i = 0; i < n; i++) index.search(q(round * n + i), k, effort);
    annRounds.push((cpuUs() - t0) / n);
  }
  // recall@k against a brute-force scan, on a sample of users.
  let hit = 0;
  const sampleUsers = 30;
  const { dim } = catalog;
  const items = catalog.itemIds.length;
  const scores = new Float32Array(items);
  for (let u = 0; u < sampleUsers; u++) {
    const v = q(u * 97);
    for (let i = 0; i < items; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (v[d] ?? 0) * (catalog.itemEmbeddings[i * dim + d] ?? 0);
      scores[i] = s;
    }
    const exact = new Set(
      Array.from(scores.keys())
        .sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0))
        .slice(0, k),
    );
    for (const r of index.search(v, k, effort).rows) if (exact.has(r)) hit++;
  }

  const session = await createSession(resolveModelPath(onnx.ModelPath));
  const output = outputNameOf(session, onnx.OutputName);
  // Every input at its configured layout: per-row inputs [modelRows, …], broadcast ones [1, …].
  const feeds: Feed[] = planInputs(onnx, declaredInputs(session)).map((p) => {
    const rows = p.perRow ? modelRows : 1;
    const data = p.type === 'int64' ? new BigInt64Array(rows * p.width) : new Float32Array(rows * p.width).map(() => Math.random() - 0.5);
    return { name: p.name, type: p.type, data, dims: [rows, ...p.dims] };
  });
  for (let i = 0; i < 50; i++) await scoreFeeds(session, output, feeds, modelRows);
  const modelRounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const n = 200;
    const t0 = cpuUs();
    for (let i = 0; i < n; i++) await scoreFeeds(session, output, feeds, modelRows);
    modelRounds.push((cpuUs() - t0) / n);
  }
  await session.release();
  return {
    annUs: median(annRounds),
    annK: k,
    annSetting: `${ann.Index} ${ann.Index === 'ivf' ? 'nprobe' : 'ef'}=${effort}`,
    annRecall: hit / (sampleUsers * k),
    modelUs: median(modelRounds),
    modelRows,
  };
}
