import type { FeatureMap, ScoreInput } from '../../src/algorithm/contract.js';
import { createRng } from '../../src/catalog/random.js';
import { LoggedProcess } from './process.js';
import { tinyModel } from './tiny-model.js';

/** Starts `pairec model-server` on the tiny model (or `model`) and resolves once it listens. */
export async function startModelServerProcess(args: readonly string[] = [], model = tinyModel()): Promise<{ proc: LoggedProcess; port: number; base: string }> {
  const proc = new LoggedProcess(['model-server', '--model', model, '--host', '127.0.0.1', '--port', '0', ...args]);
  const line = await proc.waitFor((l) => l.msg === 'listening');
  const port = Number(line.port);
  return { proc, port, base: `http://127.0.0.1:${port}` };
}

const vec = (rng: { next(): number }, dim = 64): Float32Array => Float32Array.from({ length: dim }, () => rng.next() * 2 - 1);

/** Rank inputs shaped like the pipeline's: items with embedding, popularity, category, recall_score. */
export function rankInput(seed: number, count: number): ScoreInput {
  const rng = createRng(seed);
  const items: FeatureMap[] = Array.from({ length: count }, (_, i) => ({
    item_id: `item_${seed}_${i}`,
    embedding: vec(rng),
    popularity: rng.next(),
    category: `c${i % 5}`,
    recall_score: rng.next(),
  }));
  return { items, user: { embedding: vec(rng), age: 30, city: 'hz' } };
}
