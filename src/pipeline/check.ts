import type { StageCheck } from '../types/stage-type.js';

/** Runs a compile step of a type's config check; its error becomes a problem at `path` (parsers name the limit or field at fault). */
export function checkCompiles(ctx: StageCheck, path: string, compile: () => unknown): void {
  try {
    compile();
  } catch (err) {
    ctx.problem(path, err instanceof Error ? err.message : String(err));
  }
}
