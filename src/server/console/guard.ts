import { PairecError } from '../../errors.js';
import { checkGuardedAccess, isLoopback } from '../profiling-guard.js';
import type { ProfilingConf } from '../profiling-guard.js';

/** The console's data (its API and the `explain` flag): the profiling endpoints' guard, on `monitoring.console`. */
export function checkConsoleAccess(
  conf: ProfilingConf | undefined,
  authorization: string | undefined,
  remoteAddress: string | undefined,
  route: string,
): PairecError | undefined {
  return checkGuardedAccess(conf, authorization, remoteAddress, route, 'console');
}

/**
 * The console's page and its script and style. They hold no data, and a browser cannot
 * send a Bearer token when it opens a page: with a token set they are served to anyone
 * (the page then asks for the token and sends it with each data request); without one,
 * to loopback callers only, like the data.
 */
export function checkConsoleShellAccess(conf: ProfilingConf | undefined, remoteAddress: string | undefined, route: string): PairecError | undefined {
  if (!conf?.enabled) return new PairecError('ERR_NOT_FOUND', `no route GET ${route}`);
  if (conf.token !== undefined || isLoopback(remoteAddress)) return undefined;
  return new PairecError('ERR_FORBIDDEN', 'console without a token is open to loopback callers only');
}

/**
 * `"explain": true` on /api/recommend: it shows every candidate, filter and score, so it is
 * the console's data and passes the console's guard; with the console off it is a
 * field this server does not accept (400, not a silent plain answer).
 */
export function checkExplainAccess(
  conf: ProfilingConf | undefined,
  authorization: string | undefined,
  remoteAddress: string | undefined,
): PairecError | undefined {
  if (!conf?.enabled) return new PairecError('ERR_INVALID_FIELD', 'explain needs the console on (monitoring.console.enabled)', { path: 'explain' });
  return checkConsoleAccess(conf, authorization, remoteAddress, '/api/recommend');
}
