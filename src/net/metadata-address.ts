import { BlockList, isIP } from 'node:net';

/**
 * Cloud instance-metadata endpoints: a config or a DNS answer that points a backend at
 * one would hand the instance's credentials to whoever wrote it. Node's BlockList does
 * the address matching (IPv4-mapped IPv6 forms included).
 */
const BLOCKED = new BlockList();
BLOCKED.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local: AWS, GCP, Azure, OpenStack (169.254.169.254), ECS (169.254.170.2)
BLOCKED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud
BLOCKED.addAddress('fd00:ec2::254', 'ipv6'); // AWS IMDS over IPv6
BLOCKED.addSubnet('fe80::', 10, 'ipv6'); // IPv6 link-local

/** Names that resolve to a metadata service inside clouds. */
const BLOCKED_NAMES: ReadonlySet<string> = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** Whether a resolved address (as a socket reports it) is a metadata address. */
export function isMetadataAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) return BLOCKED.check(address.replace(/%.*$/, ''), 'ipv6');
  return false;
}

/**
 * Whether a configured host (a name, an IP in any form a URL parser accepts — decimal
 * `2852039166`, hex, octal — or a bracketed IPv6) is a metadata address.
 */
export function isMetadataHost(host: string): boolean {
  let h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (isIP(h) !== 0) return isMetadataAddress(h);
  if (BLOCKED_NAMES.has(h)) return true;
  try {
    // The WHATWG parser turns every IPv4 spelling into dotted decimal.
    const normal = new URL(`http://${h}/`).hostname;
    return normal !== h && isMetadataHost(normal);
  } catch {
    return false;
  }
}

/** The host of a configured address: a URL, `host:port`, `[v6]:port`, or a bare host. */
export function hostOf(value: string): string | undefined {
  if (isIP(value) !== 0) return value;
  try {
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? new URL(value) : new URL(`http://${value}`);
    return url.hostname;
  } catch {
    return undefined;
  }
}
