import { pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';

/** Structured JSON logs on stdout; secrets are redacted wherever they appear in a log object. */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    // Config secrets (EasConf.Auth, RedisConfs.*.Password, HologresConfs.*.DSN, monitoring.profiling.token) and
    // Authorization headers, one level deep: no code path logs a whole config, these
    // catch a conf object logged by mistake.
    redact: {
      paths: ['*.Auth', '*.DSN', '*.Token', '*.token', '*.Password', '*.password', '*.authorization', 'req.headers.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
