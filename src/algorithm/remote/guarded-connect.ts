import { buildConnector } from 'undici';
import { isMetadataAddress } from '../../net/metadata-address.js';

/** A connection refused because its resolved address is a cloud metadata endpoint. */
export class ForbiddenAddressError extends Error {
  readonly code = 'ERR_FORBIDDEN_ADDRESS';
}

/**
 * undici's own connector, plus a check of the address the socket actually connected to:
 * a name that resolves to a metadata address (DNS rebinding, a hostile record) is closed
 * before a byte is written. The config check catches literal addresses earlier.
 */
export function guardedConnector(
  options: buildConnector.BuildOptions = {},
  isForbidden: (address: string) => boolean = isMetadataAddress,
): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) => {
    connect(opts, (...args) => {
      const [err, socket] = args;
      if (err !== null) return callback(err, null);
      const address = socket.remoteAddress;
      if (address !== undefined && isForbidden(address)) {
        socket.destroy();
        return callback(new ForbiddenAddressError(`${opts.hostname} resolved to ${address}, a cloud metadata address: refused`), null);
      }
      return callback(null, socket);
    });
  };
}
