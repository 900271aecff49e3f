/**
 * Starts the Milvus test double (milvus-double-main.ts) as a separate process, scripts it
 * over stdin, and writes the collections it serves.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CollectionFile, Metric } from './milvus-double-data.js';
import type { DoubleStats, Fault, FaultCode } from './milvus-double.js';
import { createRng } from '../../src/catalog/random.js';
import { reap } from './reaper.js';

const MAIN = fileURLToPath(new URL('./milvus-double-main.js', import.meta.url));

interface Reply {
  readonly id?: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly stats?: DoubleStats;
}

export class MilvusDoubleProcess {
  readonly proc: ChildProcess;
  readonly port: number;
  stderr = '';
  #nextId = 1;
  readonly #pending = new Map<number, (r: Reply) => void>();

  private constructor(proc: ChildProcess, port: number, lines: AsyncIterator<string>) {
    this.proc = proc;
    this.port = port;
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    void (async () => {
      for (let r = await lines.next(); !r.done; r = await lines.next()) {
        const reply = JSON.parse(r.value) as Reply;
        if (reply.id !== undefined) this.#pending.get(reply.id)?.(reply);
      }
    })();
  }

  /** `port` 0 picks a free port; `env` may set MILVUS_DOUBLE_FAIL. */
  static async start(dataFile: string, options: { port?: number; env?: Record<string, string> } = {}): Promise<MilvusDoubleProcess> {
    const proc = reap(
      spawn(process.execPath, [MAIN, '--port', String(options.port ?? 0), '--data', dataFile], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, ...options.env },
      }),
    );
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const exited = once(proc, 'exit').then(([code]) => {
      throw new Error(`Milvus double exited (code ${String(code)}): ${stderr}`);
    });
    const first = await Promise.race([lines.next(), exited]);
    if (first.done) throw new Error(`Milvus double printed nothing: ${stderr}`);
    const { port } = JSON.parse(first.value) as { port: number };
    return new MilvusDoubleProcess(proc, port, lines);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async #command(c: Record<string, unknown>): Promise<Reply> {
    const id = this.#nextId++;
    const reply = new Promise<Reply>((resolve) => this.#pending.set(id, resolve));
    this.proc.stdin?.write(`${JSON.stringify({ ...c, id })}\n`);
    const r = await reply;
    this.#pending.delete(id);
    if (!r.ok) throw new Error(`Milvus double refused ${JSON.stringify(c)}: ${r.error ?? ''}`);
    return r;
  }

  /** The next `count` calls of `method` fail with the gRPC status `code`. */
  async fail(method: string, count: number, code: FaultCode): Promise<void> {
    await this.#command({ cmd: 'fail', method, count, code });
  }

  async failInband(method: string, count: number, inband: NonNullable<Fault['inband']>): Promise<void> {
    await this.#command({ cmd: 'fail', method, count, inband });
  }

  async delay(method: string, ms: number): Promise<void> {
    await this.#command({ cmd: 'delay', method, ms });
  }

  async reset(): Promise<void> {
    await this.#command({ cmd: 'reset' });
  }

  async stats(): Promise<DoubleStats> {
    const r = await this.#command({ cmd: 'stats' });
    if (!r.stats) throw new Error('no stats in the reply');
    return r.stats;
  }

  /** Search calls seen since the last reset. */
  async searches(): Promise<DoubleStats['calls']> {
    return (await this.stats()).calls.filter((c) => c.method === 'Search');
  }

  /** SIGTERM stops it cleanly; SIGKILL stands for a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exit = once(this.proc, 'exit');
    this.proc.kill(signal);
    await exit;
  }
}

/** Deterministic vectors in [-1, 1), so runs repeat exactly. */
export function seededVectors(count: number, dim: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: dim }, () => rng.next() * 2 - 1));
}

export interface Fixture {
  readonly file: string;
  readonly ids: readonly string[];
  readonly vectors: readonly Float32Array[];
  readonly dim: number;
}

/**
 * Two collections over the same items, `items_ip` (IP) and `items_l2` (L2), each row with
 * a string id, a vector, a `category` ("c0".."c3") and a `popularity`; rows alternate
 * between partitions `p0` and `p1`.
 */
export function writeFixture(dir: string, count = 500, dim = 16, seed = 42): Fixture {
  const vectors = seededVectors(count, dim, seed);
  const ids = vectors.map((_, i) => `item-${i}`);
  const rows = vectors.map((v, i) => ({
    id: ids[i],
    vector: Array.from(v),
    category: `c${i % 4}`,
    popularity: i + 0.5,
    partition: `p${i % 2}`,
  }));
  const collection = (name: string, metric: Metric): CollectionFile['collections'][number] => ({ name, metric, dim, rows });
  const file = join(dir, 'collections.json');
  writeFileSync(file, JSON.stringify({ collections: [collection('items_ip', 'IP'), collection('items_l2', 'L2')] }));
  return { file, ids, vectors, dim };
}
