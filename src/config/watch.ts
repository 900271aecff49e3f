import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * Calls `onChange` when the file changes, debounced. The folder is watched, not the
 * file, because editors and `kubectl`'s ConfigMap updates replace the file by rename,
 * which ends a watch on the file itself.
 */
export function watchFile(path: string, onChange: () => void, debounceMs = 150): () => void {
  const full = resolve(path);
  const name = basename(full);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(full), (_event, file) => {
      if (file !== null && file !== name && !String(file).startsWith('..data')) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on('error', () => undefined);
  } catch {
    return () => undefined; // a platform without fs.watch still reloads on SIGHUP
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
