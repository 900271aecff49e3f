import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';

/** The closed label set of `pairec_process_errors_total{kind}`. */
export const PROCESS_ERROR_KINDS = ['uncaught_exception', 'unhandled_rejection'] as const;
export type ProcessErrorKind = (typeof PROCESS_ERROR_KINDS)[number];

/** Node's `--unhandled-rejections` modes; `throw` is Node's default. */
export type RejectionMode = 'throw' | 'strict' | 'warn' | 'none' | 'warn-with-error-code';
const MODES: readonly RejectionMode[] = ['throw', 'strict', 'warn', 'none', 'warn-with-error-code'];

/** The mode the process runs with, from its flags or NODE_OPTIONS (the later flag wins, as in Node). */
export function rejectionMode(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): RejectionMode {
  let mode: RejectionMode = 'throw';
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = /^--unhandled-rejections=(.+)$/.exec(arg);
    const value = m?.[1] as RejectionMode | undefined;
    if (value !== undefined && MODES.includes(value)) mode = value;
  }
  return mode;
}

/** What the handlers need from `process`: tests pass a stand-in. */
export interface ProcessLike {
  on(event: 'uncaughtException', fn: (err: Error, origin: string) => void): unknown;
  on(event: 'unhandledRejection', fn: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', fn: (err: Error, origin: string) => void): unknown;
  off(event: 'unhandledRejection', fn: (reason: unknown) => void): unknown;
  exitCode?: number | string | undefined | null;
}

export interface ProcessErrorOptions {
  readonly registry: Registry;
  readonly logger: Logger;
  readonly proc?: ProcessLike;
  readonly exit?: (code: number) => void;
  readonly mode?: RejectionMode;
  /** Longest wait for the log to flush before exiting, ms. */
  readonly flushTimeoutMs?: number;
}

/**
 * Counts and logs uncaught exceptions and unhandled rejections without swallowing them.
 * An uncaught exception leaves the process in an unknown state: it is counted, logged
 * (fatal), the log flushed, and the process exits 1 — what Node does, plus the record.
 * An unhandled rejection follows the process's `--unhandled-rejections` mode: under
 * Node's default (`throw`) and `strict` it is fatal in the same way; under `warn` and
 * `none` it is counted and logged and the process goes on; `warn-with-error-code`
 * also sets exit code 1. `pairec_process_errors_total{kind}` is how tests assert that a
 * whole suite raised none. Returns a function that removes the handlers.
 */
export function installProcessErrorHandlers(opts: ProcessErrorOptions): () => void {
  const proc = opts.proc ?? process;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const mode = opts.mode ?? rejectionMode();
  const { logger } = opts;
  const counter = new Counter({
    name: 'pairec_process_errors_total',
    help: 'Uncaught exceptions and unhandled rejections, by kind (uncaught_exception, unhandled_rejection)',
    labelNames: ['kind'],
    registers: [opts.registry],
  });
  for (const kind of PROCESS_ERROR_KINDS) counter.inc({ kind }, 0);

  let exiting = false;
  const fatal = (): void => {
    if (exiting) return;
    exiting = true;
    const timer = setTimeout(() => exit(1), opts.flushTimeoutMs ?? 1000);
    logger.flush(() => {
      clearTimeout(timer);
      exit(1);
    });
  };
  const onException = (err: Error, origin: string): void => {
    counter.inc({ kind: 'uncaught_exception' });
    logger.fatal({ err, origin }, 'uncaught exception; exiting');
    fatal();
  };
  const onRejection = (reason: unknown): void => {
    counter.inc({ kind: 'unhandled_rejection' });
    const err = reason instanceof Error ? reason : new Error(`non-error rejection: ${String(reason)}`);
    if (mode === 'throw' || mode === 'strict') {
      logger.fatal({ err, mode }, 'unhandled rejection; exiting');
      fatal();
      return;
    }
    logger.error({ err, mode }, 'unhandled rejection');
    if (mode === 'warn-with-error-code') proc.exitCode = 1;
  };
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.off('uncaughtException', onException);
    proc.off('unhandledRejection', onRejection);
    opts.registry.removeSingleMetric('pairec_process_errors_total');
  };
}
