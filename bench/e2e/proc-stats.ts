import { readFileSync, readdirSync } from 'node:fs';

/** A process and its descendants (a cluster primary and its serving processes). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

const CLK_TCK = 100;

/** CPU seconds (user + system) and resident bytes summed over `pids`. */
export function sample(pids: readonly number[]): { cpuSeconds: number; rssBytes: number } {
  let ticks = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      rss += Number(m?.[1] ?? 0) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return { cpuSeconds: ticks / CLK_TCK, rssBytes: rss };
}

/** Runs `work` and reports the CPU % (of one core) and peak RSS of the process tree meanwhile. */
export async function measureTree<T>(root: number, work: () => Promise<T>): Promise<{ result: T; cpuPercent: number; rssMb: number }> {
  const pids = processTree(root);
  const s0 = sample(pids);
  const t0 = process.hrtime.bigint();
  let peak = s0.rssBytes;
  const timer = setInterval(() => {
    peak = Math.max(peak, sample(pids).rssBytes);
  }, 500);
  try {
    const result = await work();
    const s1 = sample(pids);
    peak = Math.max(peak, s1.rssBytes);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    return { result, cpuPercent: (100 * (s1.cpuSeconds - s0.cpuSeconds)) / secs, rssMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Proportional set size of each pid (/proc/<pid>/smaps_rollup): a page mapped by n
 * processes counts 1/n in each, so the sum over a tree is what the tree holds of the
 * machine's memory, where the sum of RSS counts a shared mapping once per process.
 */
export function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return Number(m?.[1] ?? 0) * 1024;
  } catch {
    return 0; // gone meanwhile
  }
}
