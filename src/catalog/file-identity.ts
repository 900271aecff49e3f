import { statSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';

const identityOf = (s: BigIntStats): string => `${s.size}:${s.mtimeNs}:${s.ino}`;

/**
 * What identifies a file's content without reading it: size, modification time and inode
 * (an export landed by rename gets a new inode even within the same mtime tick). A file
 * that cannot be read is "missing"; loading it then fails with the reason.
 */
export function fileIdentity(path: string): string {
  try {
    return identityOf(statSync(path, { bigint: true }));
  } catch {
    return 'missing';
  }
}

/**
 * The same identity from an asynchronous stat: a stat that hangs on an unreachable
 * network filesystem then holds one libuv thread instead of the event loop.
 */
export async function fileIdentityAsync(path: string): Promise<string> {
  try {
    return identityOf(await stat(path, { bigint: true }));
  } catch {
    return 'missing';
  }
}
