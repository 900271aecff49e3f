import { fileIdentity } from '../catalog/file-identity.js';

/**
 * The files a server's last load read, each with its identity (size, mtime in ns, inode)
 * taken just before it was read. A change poll compares them with the files as they are
 * now. The record of a load that failed replaces the one before it too, so a bad file is
 * tried once, and again only when it changes.
 */
export class ReadRecord {
  #read = new Map<string, string>();

  /** A load begins: what the previous one read no longer describes the served data. */
  begin(): void {
    this.#read = new Map();
  }

  /** Records `path` as read by the current load; returns its identity (to compare after reading). */
  mark(path: string): string {
    const identity = fileIdentity(path);
    this.#read.set(path, identity);
    return identity;
  }

  /** The recorded files as they were read, as one comparable string. */
  recorded(): string {
    return [...this.#read].map(([path, identity]) => `${path}\t${identity}`).join('\n');
  }

  /** The recorded files as they are now, in the same form. */
  current(): string {
    return [...this.#read.keys()].map((path) => `${path}\t${fileIdentity(path)}`).join('\n');
  }

  /** The recorded files whose identity differs now. */
  changed(): string[] {
    return [...this.#read].filter(([path, identity]) => fileIdentity(path) !== identity).map(([path]) => path);
  }
}
