import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { Engine } from '../src/engine/engine.js';
import { createDefaultRegistry } from '../src/algorithm/builtins.js';
import { createMetrics } from '../src/observability/metrics.js';
import type { RecommendRequest } from '../src/pipeline/context.js';

/** An engine on a config file, without HTTP or default process metrics: what the in-process benches measure. */
export async function benchEngine(configPath: string): Promise<Engine> {
  const engine = new Engine({
    registry: createDefaultRegistry(),
    metrics: createMetrics(undefined, { defaultMetrics: false }),
    logger: pino({ level: 'warn' }),
  });
  await engine.reload(JSON.parse(await readFile(configPath, 'utf8')) as unknown);
  return engine;
}

/** Request `i` of a bench: 20 items for one of `users` users, spread by a prime stride. */
export function benchRequest(i: number, scene: string, users: number, extra: Partial<RecommendRequest> = {}): RecommendRequest {
  return { requestId: `r${i}`, uid: String(1 + ((i * 7919) % users)), sceneId: scene, category: 'default', size: 20, features: {}, debug: false, ...extra };
}
