import { Session } from 'node:inspector/promises';

/**
 * In-process V8 profilers over node:inspector: the Node counterparts of Go's
 * pprof.StartCPUProfile / StopCPUProfile and WriteHeapProfile. The results are the
 * DevTools formats (`.cpuprofile`, `.heapprofile`) that Chrome DevTools, speedscope and
 * VS Code open as they are.
 */

/** A `.cpuprofile` as Profiler.stop returns it. */
export interface CpuProfile {
  readonly nodes: readonly unknown[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** A `.heapprofile` as HeapProfiler.stopSampling returns it. */
export interface HeapProfile {
  readonly head: unknown;
  readonly samples: readonly unknown[];
}

/** One inspector session of this process; connect once, profile many times. */
export class InProcessProfiler {
  readonly #session = new Session();
  #connected = false;

  #connect(): void {
    if (this.#connected) return;
    this.#session.connect();
    this.#connected = true;
  }

  /** Starts sampling the CPU every `intervalUs` microseconds (V8's default is 1000). */
  async startCpu(intervalUs = 1000): Promise<void> {
    this.#connect();
    await this.#session.post('Profiler.enable');
    await this.#session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.#session.post('Profiler.start');
  }

  async stopCpu(): Promise<CpuProfile> {
    const { profile } = await this.#session.post('Profiler.stop');
    await this.#session.post('Profiler.disable');
    return profile as CpuProfile;
  }

  /**
   * Samples allocations every `intervalBytes` on average. Objects already collected are
   * kept too, so the profile shows what a run allocates, not only what it retains.
   */
  async startHeap(intervalBytes = 32 * 1024): Promise<void> {
    this.#connect();
    await this.#session.post('HeapProfiler.enable');
    await this.#session.post('HeapProfiler.startSampling', {
      samplingInterval: intervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  async stopHeap(): Promise<HeapProfile> {
    const { profile } = await this.#session.post('HeapProfiler.stopSampling');
    await this.#session.post('HeapProfiler.disable');
    return profile as HeapProfile;
  }

  /** Stops whatever runs (safe to call when nothing does) and disconnects. */
  async close(): Promise<void> {
    if (!this.#connected) return;
    await this.#session.post('Profiler.stop').catch(() => undefined);
    await this.#session.post('HeapProfiler.stopSampling').catch(() => undefined);
    this.#session.disconnect();
    this.#connected = false;
  }
}
