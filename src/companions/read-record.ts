import { fileIdentityAsync } from '../catalog/file-identity.js';

/**
 * The files a server's last load read, each with its identity taken just before it was
 * read. A change poll compares them with the files as they are now. The record of a load
 * that failed replaces the one before it too, so a bad file is tried once, and again only
 * when it changes.
 */
export class ReadRecord {
  #read = new Map<string, string>();

  /** A load begins: what the previous one read no longer describes the served data. */
  begin(): void {
    this.#read = new Map();
  }

  /** Records `path` as read by the current load; resolves to its identity (to compare after reading). */
  async mark(path: string): Promise<string> {
    const identity = await fileIdentityAsync(path);
    this.#read.set(path, identity);
    return identity;
  }

  /** The recorded files as they were read, as one comparable string. */
  recorded(): string {
    return [...this.#read].map(([path, identity]) => `${path}\t${identity}`).join('\n');
  }

  /** The recorded files as they are now, in the same form, and those that differ. */
  async current(): Promise<{ identity: string; changed: string[] }> {
    const read = [...this.#read];
    const now = await Promise.all(read.map(([path]) => fileIdentityAsync(path)));
    return {
      identity: read.map(([path], i) => `${path}\t${now[i] ?? ''}`).join('\n'),
      changed: read.filter(([, identity], i) => now[i] !== identity).map(([path]) => path),
    };
  }
}
