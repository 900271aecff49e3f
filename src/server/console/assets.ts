import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The console's static files: shipped in the package's `console/` folder (package.json "files"). */
export const CONSOLE_ASSET_DIR = fileURLToPath(new URL('../../../../console/', import.meta.url));

/** File name → content type; nothing else under /console/ is served. */
export const CONSOLE_ASSETS: ReadonlyMap<string, string> = new Map([
  ['index.html', 'text/html; charset=utf-8'],
  ['console.js', 'text/javascript; charset=utf-8'],
  ['console.css', 'text/css; charset=utf-8'],
]);

export interface ConsoleAsset {
  readonly type: string;
  readonly body: Buffer;
}

/**
 * The assets, read once on the first console request (never while the console is off)
 * and kept: they are a few kilobytes and change only with the package.
 */
export class ConsoleAssets {
  #loading: Promise<ReadonlyMap<string, ConsoleAsset>> | undefined;
  readonly #dir: string;

  constructor(dir: string = CONSOLE_ASSET_DIR) {
    this.#dir = dir;
  }

  get(name: string): Promise<ConsoleAsset | undefined> {
    this.#loading ??= this.#load();
    // A failed read is retried on the next request rather than cached.
    this.#loading.catch(() => (this.#loading = undefined));
    return this.#loading.then((all) => all.get(name));
  }

  async #load(): Promise<ReadonlyMap<string, ConsoleAsset>> {
    const out = new Map<string, ConsoleAsset>();
    for (const [name, type] of CONSOLE_ASSETS) out.set(name, { type, body: await readFile(this.#dir + name) });
    return out;
  }
}
