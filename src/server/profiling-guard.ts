import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { PairecError } from '../errors.js';

/** A guarded block of `monitoring` (`profiling`, `console`) as the guard reads it. */
export interface ProfilingConf {
  readonly enabled: boolean;
  readonly token?: string | undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** 127.0.0.0/8, ::1 and their IPv4-mapped form. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}

/**
 * Who may use a guarded endpoint (`what` names its `monitoring` block): nobody while it is
 * off (404, as if the route did not exist); with a token, whoever presents it as a Bearer
 * token; without one, loopback callers only. Tokens are compared as SHA-256 digests with
 * timingSafeEqual: equal lengths, constant time, so neither the token's content nor its
 * length leaks through timing.
 */
export function checkGuardedAccess(
  conf: ProfilingConf | undefined,
  authorization: string | undefined,
  remoteAddress: string | undefined,
  route: string,
  what: 'profiling' | 'console',
): PairecError | undefined {
  if (!conf?.enabled) return new PairecError('ERR_NOT_FOUND', `no route GET ${route}`);
  if (conf.token === undefined) {
    return isLoopback(remoteAddress) ? undefined : new PairecError('ERR_FORBIDDEN', `${what} without a token is open to loopback callers only`);
  }
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!match?.[1]) return new PairecError('ERR_UNAUTHORIZED', `${what} needs Authorization: Bearer <monitoring.${what}.token>`);
  return timingSafeEqual(digest(match[1]), digest(conf.token)) ? undefined : new PairecError('ERR_FORBIDDEN', `the ${what} token is wrong`);
}

/** The profiling endpoints' guard (monitoring.profiling). */
export function checkProfilingAccess(
  conf: ProfilingConf | undefined,
  authorization: string | undefined,
  remoteAddress: string | undefined,
  route: string,
): PairecError | undefined {
  return checkGuardedAccess(conf, authorization, remoteAddress, route, 'profiling');
}
