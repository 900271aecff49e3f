import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { CatalogConf } from '../config/schema.js';
import { catalogSignature } from '../catalog/load.js';
import { isTableSource } from '../catalog/sql-tables.js';
import { PairecError } from '../errors.js';
import type { ApplyResult } from './engine.js';

/** A file modified this recently may still be being written in place: wait until it is this old. */
export const SETTLE_MS = 1000;

export interface RefreshTarget {
  /** The serving catalog's config and signature, or undefined while none serves. */
  serving(): { conf: CatalogConf; signature: string | undefined } | undefined;
  refreshCatalog(): Promise<'unchanged' | ApplyResult>;
  /** What the catalog's source holds now (a table catalog asks its database); else catalogSignature(). */
  signature?(conf: CatalogConf): Promise<string>;
  /** Counts a check that could not even read the source's version (a table catalog's database down). */
  countFailure?(): void;
}

/** How long until every file of the catalog was last modified at least SETTLE_MS ago. */
function unsettledMs(conf: CatalogConf, now: number, settleMs: number): number {
  let wait = 0;
  for (const path of [conf.Items?.Path, conf.Users?.Path]) {
    if (path === undefined) continue;
    try {
      wait = Math.max(wait, statSync(path).mtimeMs + settleMs - now);
    } catch {
      // A missing file: the load reports it.
    }
  }
  return wait;
}

/**
 * Checks a file catalog's files (or a table catalog's version signature: count and
 * VersionField's max, else a checksum) every `CatalogConf.RefreshSeconds` and, when one
 * changed, has the engine load and index the new version aside and swap it in. Polling
 * a file identity (size, mtime, inode) rather than fs.watch: a watch on a file replaced
 * by rename follows the old inode, and watches are unreliable on network volumes.
 * A version that failed to load is not retried until the source changes again, unless
 * the source could not be read at all (a database down: retried at the next check).
 */
export class CatalogRefresher {
  readonly #target: RefreshTarget;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #period = 0;
  #failed: string | undefined;
  #stopped = false;
  readonly #settleMs: number;

  constructor(target: RefreshTarget, logger: Logger, settleMs = SETTLE_MS) {
    this.#target = target;
    this.#logger = logger;
    this.#settleMs = settleMs;
  }

  /** Follows the serving config's period (0: off); called after each apply. */
  arm(seconds: number): void {
    if (this.#stopped || seconds === this.#period) return;
    this.#period = seconds;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#schedule();
  }

  /** A version already known not to load (a start served the last good copy instead): not tried until the files change. */
  failedAt(signature: string): void {
    this.#failed = signature;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped || this.#period <= 0) return;
    this.#timer = setTimeout(() => void this.check().finally(() => this.#schedule()), this.#period * 1000);
    this.#timer.unref();
  }

  /** One check: refreshes when the files changed since the serving version (exported for tests). */
  async check(): Promise<'unchanged' | 'refreshed' | 'failed'> {
    const serving = this.#target.serving();
    if (!serving || (serving.conf.Source !== 'file' && !isTableSource(serving.conf.Source))) return 'unchanged';
    let signature: string;
    if (serving.conf.Source === 'file') {
      const wait = unsettledMs(serving.conf, Date.now(), this.#settleMs);
      if (wait > 0) await sleep(wait);
      signature = catalogSignature(serving.conf);
    } else {
      try {
        signature = await (this.#target.signature?.(serving.conf) ?? Promise.resolve(catalogSignature(serving.conf)));
      } catch (err) {
        // Expected while the database is down: the serving catalog stays; counted, not an error-level log.
        this.#target.countFailure?.();
        this.#logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'catalog version unreadable; the previous version keeps serving');
        return 'failed';
      }
    }
    if (signature === serving.signature || signature === this.#failed) return 'unchanged';
    try {
      const result = await this.#target.refreshCatalog();
      if (result === 'unchanged') return 'unchanged';
      this.#failed = undefined;
      this.#logger.info({ built: result.built, kept: result.kept }, 'catalog refreshed');
      return 'refreshed';
    } catch (err) {
      // A table catalog's database gone during the read: the version itself may be good,
      // so it is read again at the next check (and the outage is a warning, not an error).
      if (err instanceof PairecError && err.code === 'ERR_BACKEND_UNAVAILABLE') {
        this.#logger.warn({ err: err.message }, 'catalog refresh could not read its source; the previous version keeps serving');
        return 'failed';
      }
      this.#failed = signature;
      this.#logger.error({ err }, 'catalog refresh failed; the previous version keeps serving');
      return 'failed';
    }
  }
}
