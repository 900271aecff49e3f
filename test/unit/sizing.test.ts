import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { cgroupCpus, cgroupMemory, planSizing, v8Flags } from '../../src/sizing/sizing.js';

const cgroup = (files: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), `${text}\n`);
  }
  return root;
};
const machine = (cpus: number | undefined, memory: number | undefined, machineCpus = 8) => ({ cpus: () => cpus, memory: () => memory, machineCpus });

describe('runtime sizing', () => {
  it('reads the CPU quota and memory limit from cgroup v2 and v1 files, and "unlimited" as none', () => {
    assert.equal(cgroupCpus(cgroup({ 'cpu.max': '150000 100000' })), 1.5);
    assert.equal(cgroupCpus(cgroup({ 'cpu.max': 'max 100000' })), undefined);
    assert.equal(cgroupCpus(cgroup({ 'cpu/cpu.cfs_quota_us': '200000', 'cpu/cpu.cfs_period_us': '100000' })), 2);
    assert.equal(cgroupCpus(cgroup({ 'cpu/cpu.cfs_quota_us': '-1', 'cpu/cpu.cfs_period_us': '100000' })), undefined);
    assert.equal(cgroupCpus(cgroup({})), undefined);
    assert.equal(cgroupMemory(cgroup({ 'memory.max': '2147483648' })), 2147483648);
    assert.equal(cgroupMemory(cgroup({ 'memory.max': 'max' })), undefined);
    assert.equal(cgroupMemory(cgroup({ 'memory/memory.limit_in_bytes': '9223372036854771712' })), undefined);
    assert.equal(cgroupMemory(cgroup({ 'memory/memory.limit_in_bytes': '1073741824' })), 1073741824);
  });

  it('one process per CPU of the quota (rounded up), the environment first, never more than the machine has', () => {
    assert.equal(planSizing({}, 100, machine(1.5, undefined)).workers, 2);
    assert.equal(planSizing({}, 100, machine(undefined, undefined, 4)).workers, 4);
    assert.equal(planSizing({ cpus: '3' }, 100, machine(1, undefined)).workers, 3);
    assert.equal(planSizing({ cpus: '64' }, 100, machine(undefined, undefined, 2)).workers, 2);
    assert.equal(planSizing({ workers: '1' }, 100, machine(4, undefined)).workers, 1);
    assert.equal(planSizing({ cpus: '0.5' }, 100, machine(undefined, undefined)).workers, 1);
    assert.throws(() => planSizing({ workers: 'two' }, 100, machine(2, undefined)), /PAIREC_WORKERS/);
    assert.throws(() => planSizing({ workers: '1.5' }, 100, machine(2, undefined)), /PAIREC_WORKERS/);
    assert.throws(() => planSizing({ memoryLimitBytes: '-5' }, 100, machine(2, undefined)), /PAIREC_MEMORY_LIMIT_BYTES/);
  });

  it('heap per process from the memory limit; semi-space from gc_percent; flags only for what is known', () => {
    const p = planSizing({ memoryLimitBytes: String(2 * 2 ** 30) }, 100, machine(2, undefined));
    // 2 GiB × (RSS 0.7 − native 0.25) − the primary's 64 MiB − 2 young generations of 3 × 16 MiB, over 2 heaps + the primary's exposure copy (0.1).
    assert.equal(p.heapMb, Math.floor((2 * 1024 * 0.45 - 64 - 2 * 3 * 16) / 2.1));
    assert.deepEqual(v8Flags(p), ['--max-semi-space-size=16', `--max-old-space-size=${p.heapMb}`]);
    assert.deepEqual(v8Flags(planSizing({}, 200, machine(2, undefined))), ['--max-semi-space-size=32']);
    assert.equal(planSizing({ heapMb: '300' }, 100, machine(2, 2 ** 40)).heapMb, 300);
  });

  it('many CPUs, little memory: 32 CPUs under a 1 GiB limit do not get 32 heaps of 64 MB (2 GiB)', () => {
    const p = planSizing({}, 100, machine(32, 2 ** 30, 64));
    assert.ok(p.heapMb !== undefined, 'a memory limit sizes the heaps');
    assert.ok(p.heapMb * p.workers <= 1024, `${p.workers} workers × ${p.heapMb} MB exceed the 1024 MB limit`);
  });

  it('property: with a memory limit, the heaps of all processes stay inside it, in every case; workers ≥ 1', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 64, noNaN: true }), fc.integer({ min: 512, max: 65536 }), fc.integer({ min: 10, max: 10000 }), (cpus, mb, gc) => {
        const p = planSizing({}, gc, machine(cpus, mb * 2 ** 20, 64));
        assert.ok(p.workers >= 1 && p.workers <= 64);
        assert.ok(p.semiSpaceMb >= 1 && p.semiSpaceMb <= 256);
        // No case is left out: the 64 MB floor of a heap must not add up past the limit.
        assert.ok(p.heapMb !== undefined && p.heapMb >= 1, 'a memory limit sizes the heaps');
        assert.ok(p.heapMb * p.workers <= mb, `${p.workers} workers × ${p.heapMb} MB > ${mb} MB (cpus ${cpus})`);
      }),
      { examples: [[32, 1024, 100]] },
    );
  });
});
