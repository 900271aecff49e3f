import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/**
 * Runtime sizing — the performance guide's GOMAXPROCS / GOMEMLIMIT / GOGC in Node terms:
 * how many serving processes (one event loop each, so one per core), the V8 old-space
 * limit of each from the container's memory limit, and the young generation's size from
 * `performance.gc_percent`. Limits come from the environment first (Kubernetes'
 * resourceFieldRef fills them), then from the cgroup (v2, then v1), then the machine.
 */
export interface SizingEnv {
  /** PAIREC_WORKERS: a count, or "auto" (one per CPU of the quota). */
  readonly workers?: string | undefined;
  /** PAIREC_CPUS: CPU limit in cores (fractions allowed). */
  readonly cpus?: string | undefined;
  /** PAIREC_MEMORY_LIMIT_BYTES: memory limit of the whole container. */
  readonly memoryLimitBytes?: string | undefined;
  /** PAIREC_HEAP_MB: V8 old-space limit per process, overriding the derived one. */
  readonly heapMb?: string | undefined;
}

export interface Sizing {
  readonly cpus: number;
  readonly cpuSource: 'env' | 'cgroup' | 'machine';
  readonly memoryLimitBytes: number | undefined;
  readonly workers: number;
  /** --max-old-space-size per process, when a limit is known or set. */
  readonly heapMb: number | undefined;
  /** --max-semi-space-size from gc_percent (V8's default young generation at 100). */
  readonly semiSpaceMb: number;
}

/** Share of the memory limit given to V8 heaps: the rest is native memory (indexes, models, buffers). */
export const HEAP_SHARE = 0.6;
/** V8's default max semi-space on 64-bit hosts, the gc_percent = 100 point. */
const DEFAULT_SEMI_SPACE_MB = 16;

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** CPU quota in cores from cgroup v2 cpu.max or v1 cfs files; undefined when unlimited. */
export function cgroupCpus(root = '/sys/fs/cgroup'): number | undefined {
  const v2 = readText(join(root, 'cpu.max'));
  if (v2 !== undefined) {
    const [quota, period] = v2.split(/\s+/);
    if (quota === 'max' || quota === undefined) return undefined;
    const q = Number(quota);
    const p = Number(period ?? 100000);
    return q > 0 && p > 0 ? q / p : undefined;
  }
  const q = Number(readText(join(root, 'cpu', 'cpu.cfs_quota_us')) ?? readText(join(root, 'cpu.cfs_quota_us')) ?? -1);
  const p = Number(readText(join(root, 'cpu', 'cpu.cfs_period_us')) ?? readText(join(root, 'cpu.cfs_period_us')) ?? 100000);
  return q > 0 && p > 0 ? q / p : undefined;
}

/** Memory limit in bytes from cgroup v2 memory.max or v1 memory.limit_in_bytes; undefined when unlimited. */
export function cgroupMemory(root = '/sys/fs/cgroup'): number | undefined {
  const raw = readText(join(root, 'memory.max')) ?? readText(join(root, 'memory', 'memory.limit_in_bytes')) ?? readText(join(root, 'memory.limit_in_bytes'));
  if (raw === undefined || raw === 'max') return undefined;
  const n = Number(raw);
  // cgroup v1 reports "unlimited" as a huge page-aligned number.
  return Number.isFinite(n) && n > 0 && n < 2 ** 60 ? n : undefined;
}

const positive = (raw: string | undefined, what: string): number | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number, got "${raw}"`);
  return n;
};

/**
 * The sizing plan. Workers default to the CPU quota rounded up (a 1.5-core limit runs 2
 * processes: each is mostly idle between requests), never more than the machine's CPUs.
 */
export function planSizing(
  env: SizingEnv,
  gcPercent = 100,
  probe: { cpus: () => number | undefined; memory: () => number | undefined; machineCpus: number } = {
    cpus: () => cgroupCpus(),
    memory: () => cgroupMemory(),
    machineCpus: availableParallelism(),
  },
): Sizing {
  const envCpus = positive(env.cpus, 'PAIREC_CPUS');
  const groupCpus = envCpus === undefined ? probe.cpus() : undefined;
  const cpus = Math.min(probe.machineCpus, envCpus ?? groupCpus ?? probe.machineCpus);
  const cpuSource = envCpus !== undefined ? 'env' : groupCpus !== undefined ? 'cgroup' : 'machine';
  const memoryLimitBytes = positive(env.memoryLimitBytes, 'PAIREC_MEMORY_LIMIT_BYTES') ?? probe.memory();
  const auto = Math.max(1, Math.ceil(cpus - 1e-9));
  const w = env.workers === undefined || env.workers === '' || env.workers === 'auto' ? auto : positive(env.workers, 'PAIREC_WORKERS');
  if (w === undefined || !Number.isInteger(w)) throw new Error(`PAIREC_WORKERS must be "auto" or a whole number, got "${env.workers ?? ''}"`);
  const heapEnv = positive(env.heapMb, 'PAIREC_HEAP_MB');
  const heapMb = heapEnv ?? (memoryLimitBytes === undefined ? undefined : Math.max(64, Math.floor((memoryLimitBytes * HEAP_SHARE) / w / 2 ** 20)));
  const semiSpaceMb = Math.min(256, Math.max(1, Math.round((DEFAULT_SEMI_SPACE_MB * gcPercent) / 100)));
  return { cpus, cpuSource, memoryLimitBytes, workers: w, heapMb, semiSpaceMb };
}

/** The V8 flags a serving process starts with under `plan`. */
export function v8Flags(plan: Sizing): string[] {
  const flags = [`--max-semi-space-size=${plan.semiSpaceMb}`];
  if (plan.heapMb !== undefined) flags.push(`--max-old-space-size=${plan.heapMb}`);
  return flags;
}

export function sizingEnv(env: NodeJS.ProcessEnv = process.env): SizingEnv {
  return { workers: env.PAIREC_WORKERS, cpus: env.PAIREC_CPUS, memoryLimitBytes: env.PAIREC_MEMORY_LIMIT_BYTES, heapMb: env.PAIREC_HEAP_MB };
}

/**
 * Share of a serving process's V8 heap given to the in-memory exposure store
 * (store/exposure-store.ts) when `ExposureConf.MaxBytes` is 0. The cluster primary keeps
 * an equal copy (server/cluster/exposure-relay.ts), outside the workers' heap shares.
 */
export const EXPOSURE_HEAP_SHARE = 0.1;
/** The exposure store never gets less than this, whatever the heap. */
const MIN_EXPOSURE_BYTES = 1 << 20;

/**
 * Bytes bound of the in-memory exposure store: `configured` when positive, else
 * EXPOSURE_HEAP_SHARE of `heapLimitBytes` (the process's V8 heap limit: --max-old-space-size
 * from the plan above, or V8's own default).
 */
export function exposureStoreBytes(heapLimitBytes: number, configured = 0): number {
  if (configured > 0) return configured;
  return Math.max(MIN_EXPOSURE_BYTES, Math.floor(heapLimitBytes * EXPOSURE_HEAP_SHARE));
}
