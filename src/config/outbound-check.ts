import { PairecError } from '../errors.js';
import { hostOf, isMetadataHost } from '../net/metadata-address.js';
import { pathFromSegments } from './json-path.js';

/** Keys that name a place the engine connects to, in any algorithm conf or RedisConfs. */
const ADDRESS_KEYS: ReadonlySet<string> = new Set(['Url', 'Host', 'ServerAddress']);

/**
 * Refuses configs that point any outbound connection at a cloud metadata address, with
 * the JSON path. The message names the host only: a URL may carry credentials.
 */
export function checkOutboundAddresses(config: unknown, problems: PairecError[]): void {
  const walk = (value: unknown, segments: (string | number)[]): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...segments, i]));
      return;
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const at = [...segments, key];
      if (ADDRESS_KEYS.has(key) && typeof v === 'string') {
        const host = hostOf(v);
        if (host !== undefined && isMetadataHost(host)) {
          const path = pathFromSegments(at);
          problems.push(new PairecError('ERR_CONFIG_INVALID', `${path}: ${host} is a cloud metadata address; outbound calls to it are refused`, { path }));
        }
      } else {
        walk(v, at);
      }
    }
  };
  walk(config, []);
}
