import { pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';

/** Structured JSON logs on stdout; secrets are redacted wherever they appear in a log object. */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: { paths: ['*.Auth', '*.Token', '*.Password', '*.password', 'req.headers.authorization'], censor: '[redacted]' },
  });
}
