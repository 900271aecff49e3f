import type { Logger } from 'pino';
import type { RemoteExperimentsConf } from '../config/experiment-schema.js';

/** The closed label set of pairec_experiment_fetches_total. */
export type FetchResult = 'updated' | 'unchanged' | 'invalid' | 'error';

/** A document larger than this is refused: experiments are a few kilobytes. */
const MAX_BYTES = 4 * 1024 * 1024;

/**
 * Polls a URL for experiments. A new document (200 with another ETag) is handed to
 * `apply`, which validates it with the whole config and serves it, or refuses it; the
 * last good document stays in `current` whatever the server does next (down, 5xx,
 * garbage, a set that fails validation), each outcome counted.
 */
export class RemoteExperiments {
  readonly #apply: (doc: Record<string, unknown>) => Promise<boolean>;
  readonly #count: (result: FetchResult) => void;
  readonly #logger: Logger;
  #conf: RemoteExperimentsConf | undefined;
  #timer: NodeJS.Timeout | undefined;
  #etag: string | undefined;
  #good: Record<string, unknown> | undefined;
  /** The last body applied or refused: the same body again changes nothing (a server without ETags). */
  #lastText: string | undefined;
  #lastResult: FetchResult = 'unchanged';
  #polling: Promise<FetchResult> | undefined;

  constructor(apply: (doc: Record<string, unknown>) => Promise<boolean>, count: (result: FetchResult) => void, logger: Logger) {
    this.#apply = apply;
    this.#count = count;
    this.#logger = logger;
  }

  /** The last document applied, or undefined before the first one. */
  get current(): Record<string, unknown> | undefined {
    return this.#good;
  }

  /** Follows the serving config: starts, restarts (another URL or interval) or stops polling. */
  configure(conf: RemoteExperimentsConf | undefined): void {
    const same = conf?.Url === this.#conf?.Url && conf?.PollIntervalS === this.#conf?.PollIntervalS && conf?.TimeoutMs === this.#conf?.TimeoutMs;
    if (same && (conf === undefined || this.#timer)) return;
    if (conf?.Url !== this.#conf?.Url) {
      // Another source: what the old one said no longer applies.
      this.#good = undefined;
      this.#etag = undefined;
      this.#lastText = undefined;
    }
    this.stop();
    this.#conf = conf;
    if (!conf) return;
    this.#timer = setInterval(() => void this.poll(), conf.PollIntervalS * 1000);
    this.#timer.unref();
    void this.poll();
  }

  /** One poll (a poll still running is joined, not doubled). */
  poll(): Promise<FetchResult> {
    this.#polling ??= this.#poll().then((r) => {
      this.#polling = undefined;
      this.#count(r);
      return r;
    });
    return this.#polling;
  }

  async #poll(): Promise<FetchResult> {
    const conf = this.#conf;
    if (!conf) return 'unchanged';
    let doc: unknown;
    let etag: string | null;
    try {
      const res = await fetch(conf.Url, {
        headers: this.#etag ? { 'if-none-match': this.#etag, accept: 'application/json' } : { accept: 'application/json' },
        signal: AbortSignal.timeout(conf.TimeoutMs),
        redirect: 'error',
      });
      if (res.status === 304) {
        await res.arrayBuffer();
        return 'unchanged';
      }
      const text = await res.text();
      if (!res.ok) throw new Error(`status ${res.status}`);
      if (text.length > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`);
      etag = res.headers.get('etag');
      if (text === this.#lastText) return this.#lastResult === 'updated' ? 'unchanged' : this.#lastResult;
      this.#lastText = text;
      this.#lastResult = 'error';
      doc = JSON.parse(text);
    } catch (err) {
      this.#logger.warn(
        { err: err instanceof Error ? err.message : String(err), url_host: hostOf(conf.Url) },
        'experiments fetch failed; the last good set keeps serving',
      );
      return 'error';
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      this.#logger.warn({ url_host: hostOf(conf.Url) }, 'experiments document is not a JSON object; the last good set keeps serving');
      return (this.#lastResult = 'invalid');
    }
    const ok = await this.#apply(doc as Record<string, unknown>);
    this.#lastResult = ok ? 'updated' : 'invalid';
    if (!ok) return 'invalid';
    this.#good = doc as Record<string, unknown>;
    this.#etag = etag ?? undefined;
    return 'updated';
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** The host of a URL, for logs: a URL may carry credentials. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
}

/**
 * The raw config with the remote document written over its ABTestConf — only while the
 * file still names a Remote source (removing Remote from the file goes back to the
 * file's own experiments). The document cannot name another source itself.
 */
export function withRemoteExperiments(raw: unknown, doc: Record<string, unknown> | undefined): unknown {
  if (!doc || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const ab = (raw as Record<string, unknown>).ABTestConf;
  if (ab === null || typeof ab !== 'object' || Array.isArray(ab) || !('Remote' in ab)) return raw;
  const merged: Record<string, unknown> = { ...ab, ...doc };
  merged.Remote = (ab as Record<string, unknown>).Remote;
  return { ...raw, ABTestConf: merged };
}
