import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './port.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** One input [N, 128] (user ⊕ item), the layout KSERVE's single `features` tensor sends. */
const MODEL = 'models/demo-mlp.onnx';

export interface RemoteBackends {
  readonly vectorPort: number;
  readonly modelPort: number;
  readonly procs: readonly ChildProcess[];
  stop(): Promise<void>;
}

async function until(ready: () => Promise<boolean>, proc: ChildProcess, what: string): Promise<void> {
  for (const end = Date.now() + 30 * 60_000; Date.now() < end;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode})`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready`);
}

/** Whether something accepts TCP connections on the port (the gRPC server has no HTTP probe). */
const listening = (port: number): boolean => execFileSync('ss', ['-Htln', `sport = :${port}`], { encoding: 'utf8' }).trim() !== '';

/**
 * `pairec vector-server` over the config's catalog (the same IVF index the embedded run
 * searches) and `pairec model-server` over the demo MLP, on this machine.
 */
export async function startRemoteBackends(configFile: string, nprobe: number, log: (m: string) => void): Promise<RemoteBackends> {
  const vectorPort = await freePort();
  const metricsPort = await freePort();
  const modelPort = await freePort();
  const args = [
    '--catalog',
    configFile,
    '--port',
    String(vectorPort),
    '--host',
    '127.0.0.1',
    '--index',
    'ivf',
    '--nprobe',
    String(nprobe),
    '--metrics-port',
    String(metricsPort),
  ];
  log(`remote: pairec vector-server on :${vectorPort}, pairec model-server on :${modelPort}`);
  const vector = spawn(process.execPath, [MAIN, 'vector-server', ...args, '--refresh-seconds', '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const model = spawn(process.execPath, [MAIN, 'model-server', '--model', MODEL, '--name', 'demo_mlp', '--port', String(modelPort), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const procs = [vector, model];
  const stop = async (): Promise<void> => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
  };
  try {
    await until(async () => (await fetch(`http://127.0.0.1:${modelPort}/v2/health/ready`)).ok, model, 'model-server');
    await until(() => Promise.resolve(listening(vectorPort)), vector, 'vector-server');
  } catch (err) {
    await stop();
    throw err;
  }
  return { vectorPort, modelPort, procs, stop };
}

/**
 * The RW config with vector recall through FAISS and rank through KSERVE (binary tensors):
 * the same work, remote. Timeouts are generous (2 s): the closed loop drives this 2-core
 * machine past capacity, and with the production-like 200–300 ms the first slow calls
 * opened the circuit breakers and the run measured fast 503s, not the remote path.
 */
export function remoteConfig(raw: Record<string, unknown>, b: RemoteBackends): Record<string, unknown> {
  const algos = (raw.AlgoConfs as { Name: string; Type: string }[]).map((a) => {
    if (a.Type === 'ANN')
      return { Name: a.Name, Type: 'FAISS', VectorConf: { ServerAddress: `127.0.0.1:${b.vectorPort}`, Timeout: 2000, PoolSize: 2, Metric: 'ip' } };
    if (a.Type === 'ONNX') {
      return {
        Name: a.Name,
        Type: 'KSERVE',
        KServeConf: {
          Url: `http://127.0.0.1:${b.modelPort}`,
          ModelName: 'demo_mlp',
          Timeout: 2000,
          BinaryData: true,
          Features: { User: [{ Name: 'embedding', Dim: 64 }], Item: [{ Name: 'embedding', Dim: 64 }] },
        },
      };
    }
    return a;
  });
  // The vector server indexes the demo catalog itself, so the demo's user rows are in its
  // space (by default a demo user vector is never sent to a remote index).
  const recalls = (raw.RecallConfs as { RecallType: string }[]).map((r) =>
    r.RecallType === 'VectorRecall' ? { ...r, UserEmbedding: { From: 'catalog' } } : r,
  );
  return { ...raw, AlgoConfs: algos, RecallConfs: recalls };
}

/**
 * Connections to the backends' ports opened while `work` runs: the local ports of
 * established connections, sampled every 200 ms, that were not there when it began.
 * (A connection opened and closed between two samples is missed: a lower bound, and
 * exact for a pool that keeps its connections.)
 */
export async function connectionsOpened<T>(
  ports: readonly number[],
  work: () => Promise<T>,
): Promise<{ result: T; opened: number; openedByPort: Readonly<Record<number, number>> }> {
  const snapshot = (): Set<string> => {
    const out = new Set<string>();
    for (const port of ports) {
      const text = execFileSync('ss', ['-Htn', 'state', 'established', `dport = :${port}`], { encoding: 'utf8' });
      for (const line of text.split('\n')) {
        const local = line.trim().split(/\s+/)[2];
        if (local) out.add(`${port}/${local}`);
      }
    }
    return out;
  };
  const before = snapshot();
  const seen = new Set<string>();
  const timer = setInterval(() => {
    for (const c of snapshot()) if (!before.has(c)) seen.add(c);
  }, 200);
  try {
    const result = await work();
    const after = snapshot();
    for (const c of after) if (!before.has(c)) seen.add(c);
    // Growth or replacement: established before and after, by port.
    const held = (set: Set<string>, port: number): number => [...set].filter((c) => c.startsWith(`${port}/`)).length;
    for (const port of ports) process.stderr.write(`connections to :${port}: ${held(before, port)} before, ${held(after, port)} after\n`);
    const openedByPort: Record<number, number> = Object.fromEntries(ports.map((p) => [p, 0]));
    for (const c of seen) {
      const port = Number(c.slice(0, c.indexOf('/')));
      openedByPort[port] = (openedByPort[port] ?? 0) + 1;
    }
    return { result, opened: seen.size, openedByPort };
  } finally {
    clearInterval(timer);
  }
}
