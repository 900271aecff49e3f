/**
 * The project's native addon (native/pairec_native.c, built by `npm ci` through node-gyp):
 * file mappings shared between processes and the IVF scan kernel over them. Loaded once;
 * where it is missing (built with --ignore-scripts, no compiler), `nativeAddon()` says
 * why and the callers keep their in-memory path.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /** The file's bytes, mapped privately: shared with every process mapping it until written. */
  mapFile(path: string): ArrayBuffer;
  /** See kernels.wat's `dots`: out[outAt + i] = score of row i of n (stride floats apart from rowAt) against q. */
  dots(
    rows: Float32Array,
    rowAt: number,
    n: number,
    stride: number,
    q: Float32Array,
    out: Float32Array,
    outAt: number,
    w: Float32Array,
    wAt: number,
    mode: number,
  ): void;
}

/** From dist/src/native/ or src/native/: the package root holds build/. */
const ADDON = fileURLToPath(new URL('../../../build/Release/pairec_native.node', import.meta.url));
const ADDON_FROM_SOURCE = fileURLToPath(new URL('../../build/Release/pairec_native.node', import.meta.url));

let loaded: { addon: NativeAddon } | { missing: string } | undefined;

function load(): { addon: NativeAddon } | { missing: string } {
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  for (const file of [ADDON, ADDON_FROM_SOURCE]) {
    try {
      return { addon: require(file) as NativeAddon };
    } catch (err) {
      errors.push(err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err));
    }
  }
  return { missing: `the native addon is not built (npm run build:native): ${errors[0] ?? ''}` };
}

/** The addon, or why it is not there. */
export function nativeAddon(): { addon: NativeAddon } | { missing: string } {
  loaded ??= process.env.PAIREC_NO_NATIVE === '1' ? { missing: 'PAIREC_NO_NATIVE=1' } : load();
  return loaded;
}
