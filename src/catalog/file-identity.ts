import { statSync } from 'node:fs';

/**
 * What identifies a file's content without reading it: size, modification time and inode
 * (an export landed by rename gets a new inode even within the same mtime tick). A file
 * that cannot be read is "missing"; loading it then fails with the reason.
 */
export function fileIdentity(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.size}:${s.mtimeNs}:${s.ino}`;
  } catch {
    return 'missing';
  }
}
