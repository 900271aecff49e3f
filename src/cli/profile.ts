import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { readConfigFile } from '../config/load.js';
import { createDefaultRegistry } from '../algorithm/builtins.js';
import { profileAlgorithm } from '../profiler/algorithm-profile.js';
import type { RunStats } from '../profiler/stats.js';
import type { CommandRun } from './command.js';
import type { PROFILE_OPTIONS } from './commands.js';
import { intOption } from './int-option.js';

const count = (value: string, name: string, min: number): number => intOption(name, value, min, 10_000_000);

const line = (label: string, s: RunStats): string =>
  `${label}: mean ${s.meanMs.toFixed(4)} ms  p50 ${s.p50Ms.toFixed(4)} ms  p99 ${s.p99Ms.toFixed(4)} ms  ${s.runsPerSecond.toFixed(1)} runs/s  (${s.runs} runs)`;

/** `pairec profile` (options in cli/commands.ts). */
export const runProfile: CommandRun<typeof PROFILE_OPTIONS> = async (values) => {
  const iterations = count(values.iterations, 'iterations', 1);
  const warmup = count(values.warmup, 'warmup', 0);
  let input: unknown;
  try {
    input = JSON.parse(await readFile(values.input, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read --input ${values.input}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Logs go to stderr: stdout carries the report.
  const logger = pino({ level: 'warn', base: { pid: process.pid } }, pino.destination(2));
  const report = await profileAlgorithm({
    config: await readConfigFile(values.config),
    algorithm: values.algorithm,
    input,
    iterations,
    warmup,
    outDir: values.out,
    registry: createDefaultRegistry(),
    logger,
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  // From medians: a few preempted runs on a busy machine move the means far more than the profiler does.
  const overhead = report.timing.p50Ms > 0 ? (report.cpuProfiled.p50Ms / report.timing.p50Ms - 1) * 100 : 0;
  process.stdout.write(
    [
      `algorithm ${report.algorithm} (${report.type}, ${report.kind}), ${warmup} warm-up runs`,
      line('time per run', report.timing),
      `${line('under CPU profiler', report.cpuProfiled)}  p50 overhead ${overhead.toFixed(1)} %`,
      `cpu profile:  ${report.files.cpuProfile}`,
      `heap profile: ${report.files.heapProfile}`,
      `trace:        ${report.files.trace}`,
      '',
    ].join('\n'),
  );
  return 0;
};
