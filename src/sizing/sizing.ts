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

/**
 * The container's planned RSS as a share of its memory limit: the primary, every serving
 * process's old space and young generation, and native memory. Kept below the HPA's memory
 * target (80 % of the request, deploy/k8s/hpa.yaml), so RSS at the plan does not by itself
 * make the HPA scale out, and well below the OOM kill at the limit.
 */
export const RSS_SHARE = 0.7;
/** Share of the memory limit left to native memory outside V8 heaps, all processes together: indexes, models, buffers, code. */
export const NATIVE_SHARE = 0.25;
/** The cluster primary's own RSS, besides its copy of the exposure store: it builds no engine. */
export const PRIMARY_RSS_MB = 64;
/** V8's young generation holds three semi-spaces (two for scavenges, one for new large objects). */
const YOUNG_SEMI_SPACES = 3;
/** The smallest old space a serving process is given: below it a process spends its time collecting. */
const MIN_HEAP_MB = 64;
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
  const semiSpaceMb = Math.min(256, Math.max(1, Math.round((DEFAULT_SEMI_SPACE_MB * gcPercent) / 100)));
  // Old space gets what the RSS budget leaves after native memory, the primary (with its
  // exposure copy, EXPOSURE_HEAP_SHARE of one heap) and each process's young generation.
  const heapFor = (workers: number): number | undefined =>
    memoryLimitBytes === undefined
      ? undefined
      : Math.floor(
          ((memoryLimitBytes / 2 ** 20) * (RSS_SHARE - NATIVE_SHARE) - PRIMARY_RSS_MB - workers * YOUNG_SEMI_SPACES * semiSpaceMb) /
            (workers + EXPOSURE_HEAP_SHARE),
        );
  let workers = w;
  // Many CPUs and little memory (32 CPUs under 1 GiB): processes past what the limit can
  // give a heap worth running would add their floors up past the limit, so the automatic
  // count is cut to what fits (an explicit PAIREC_WORKERS is kept as asked).
  if (heapEnv === undefined && w === auto) while (workers > 1 && (heapFor(workers) ?? MIN_HEAP_MB) < MIN_HEAP_MB) workers--;
  const budget = heapFor(workers);
  const heapMb = heapEnv ?? (budget === undefined ? undefined : Math.max(MIN_HEAP_MB, budget));
  return { cpus, cpuSource, memoryLimitBytes, workers, heapMb, semiSpaceMb };
}

/**
 * RSS the container reaches under `plan` at full heaps: the primary, every process's old
 * space and young generation, and the native share. Undefined without a known limit.
 */
export function plannedRssBytes(plan: Sizing): number | undefined {
  if (plan.memoryLimitBytes === undefined || plan.heapMb === undefined) return undefined;
  const v8Mb = PRIMARY_RSS_MB + EXPOSURE_HEAP_SHARE * plan.heapMb + plan.workers * (plan.heapMb + YOUNG_SEMI_SPACES * plan.semiSpaceMb);
  return v8Mb * 2 ** 20 + NATIVE_SHARE * plan.memoryLimitBytes;
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
