import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Engine } from '../../src/engine/engine.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { buildApp } from '../../src/server/app.js';
import type { AppOptions } from '../../src/server/app.js';
import type { Admission } from '../../src/server/admission.js';
import { probeType } from './probe-type.js';
import type { ProbeLog } from './probe-type.js';
import { silentLogger, testMetrics } from './context.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';

/** A config whose only rank algorithm is the test's PROBE type (its gate holds requests open). */
export function probeConfig(performance: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CatalogConf: { Demo: { Items: 50, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
    AlgoConfs: [{ Name: 'probe', Type: 'PROBE', ProbeConf: { Value: 1 } }],
    RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
    SceneConfs: { default_scene: { default: { RecallNames: ['hot'] } }, hot_scene: { default: { RecallNames: ['hot'] } } },
    RankConf: { default_scene: { RankAlgoList: ['probe'] } },
    performance: { request_timeout_ms: 10_000, ...performance },
  };
}

export interface ProbeApp {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly metrics: EngineMetrics;
  readonly log: ProbeLog;
  readonly url: string;
  close(): Promise<void>;
}

/** The real HTTP app in this process, on a loopback port, serving `config` with a PROBE ranker. */
export async function startProbeApp(
  config: Record<string, unknown>,
  admission?: (metrics: EngineMetrics, engine: Engine) => Admission,
  timeouts?: AppOptions['timeouts'],
  bodyReading?: AppOptions['bodyReading'],
): Promise<ProbeApp> {
  const log: ProbeLog = { events: [], gate: undefined };
  const registry = createDefaultRegistry();
  registry.registerType(probeType(log));
  const metrics = testMetrics();
  const engine = new Engine({ registry, metrics, logger: silentLogger });
  await engine.reload(config);
  const app = buildApp({
    engine,
    metrics,
    logger: silentLogger,
    state: { draining: false, loadError: false },
    bodyLimit: 65536,
    ...(admission ? { admission: admission(metrics, engine) } : {}),
    ...(timeouts ? { timeouts } : {}),
    ...(bodyReading ? { bodyReading } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    engine,
    metrics,
    log,
    url,
    close: async () => {
      await app.close();
      await engine.close();
    },
  };
}
