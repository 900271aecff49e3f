/**
 * The one catalog of error codes. Every error the engine reports to a client, a log or
 * an operator carries one of these codes; the code is stable, the message may improve.
 */
export const ERROR_CATALOG = {
  // Client request errors
  ERR_MALFORMED_JSON: { status: 400, summary: 'request body is not valid JSON' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'request body must be application/json' },
  ERR_UNSUPPORTED_CONTENT_ENCODING: { status: 415, summary: 'request Content-Encoding must be gzip, deflate, br or none' },
  ERR_UNSUPPORTED_TRANSFER_ENCODING: { status: 400, summary: 'request Transfer-Encoding must be chunked or absent' },
  ERR_INVALID_FIELD: { status: 400, summary: 'a request field has a wrong type or value' },
  ERR_MISSING_FIELD: { status: 400, summary: 'a required request field is missing' },
  ERR_UNKNOWN_FIELD: { status: 400, summary: 'the request has a field this endpoint does not accept' },
  ERR_FORBIDDEN_KEY: { status: 400, summary: 'the request uses a forbidden key such as __proto__' },
  ERR_BODY_TOO_LARGE: { status: 413, summary: 'request body exceeds the configured limit' },
  ERR_UNKNOWN_SCENE: { status: 404, summary: 'scene_id names no configured scene' },
  ERR_BAD_REQUEST: { status: 400, summary: 'the request cannot be read' },
  ERR_REQUEST_TIMEOUT: { status: 408, summary: 'the request was not received in time' },
  ERR_BODY_TIMEOUT: { status: 408, summary: 'the request body was not received in time' },
  ERR_HEADERS_TOO_LARGE: { status: 431, summary: 'request headers exceed the size limit' },
  ERR_NOT_FOUND: { status: 404, summary: 'no such route' },
  ERR_UNAUTHORIZED: { status: 401, summary: 'the endpoint needs Authorization: Bearer <token>' },
  ERR_FORBIDDEN: { status: 403, summary: 'the token is wrong, or the caller is not on loopback' },
  ERR_PROFILER_BUSY: { status: 409, summary: 'a profile is already being taken' },
  // Server state
  ERR_NOT_READY: { status: 503, summary: 'the engine is loading or shutting down', log: 'warn' },
  ERR_OVERLOADED: { status: 503, summary: 'the server is at capacity: retry after the Retry-After delay', log: 'warn' },
  ERR_EXPOSURE_NOT_SHARED: { status: 503, summary: 'the cluster primary did not confirm the exposure in time; send it again' },
  ERR_INTERNAL: { status: 500, summary: 'internal error' },
  // Algorithms
  ERR_UNKNOWN_ALGORITHM: { status: 500, summary: 'no algorithm of that name is registered' },
  ERR_UNKNOWN_ALGORITHM_TYPE: { status: 500, summary: 'no algorithm type of that name is registered' },
  ERR_ALGORITHM_KIND: { status: 500, summary: 'the algorithm does not produce what the caller needs' },
  ERR_ALGORITHM_CLOSED: { status: 503, summary: 'the algorithm instance is closed' },
  ERR_ALGORITHM_BUILD: { status: 500, summary: 'an algorithm failed to build' },
  ERR_ALGORITHM_INPUT: { status: 500, summary: 'an algorithm got an input it cannot use' },
  ERR_ABORTED: { status: 503, summary: 'the run was aborted' },
  /** Never sent (the connection is gone); the status is nginx's "client closed request". */
  ERR_CALLER_GONE: { status: 499, summary: 'the caller closed the connection before the answer', log: 'none' },
  ERR_RECALL_FAILED: { status: 503, summary: 'every recall source of the scene failed' },
  ERR_BACKEND_UNAVAILABLE: { status: 503, summary: 'a remote backend failed or cannot be reached' },
  ERR_BACKEND_REPLY: { status: 502, summary: 'a remote backend sent a reply that breaks its protocol' },
  ERR_CIRCUIT_OPEN: { status: 503, summary: 'the backend is ejected by its circuit breaker; the call failed fast', log: 'warn' },
  ERR_BULKHEAD_FULL: { status: 503, summary: 'the backend has its maximum of calls in flight; the call failed fast', log: 'warn' },
  ERR_DEADLINE_EXCEEDED: { status: 504, summary: 'the request deadline passed' },
  ERR_QUEUE_FULL: { status: 503, summary: 'worker pool queue full: the run was rejected at once, not queued', log: 'warn' },
  ERR_DUPLICATE_REGISTRATION: { status: 500, summary: 'the name is already registered' },
  ERR_DATA_INVALID: { status: 500, summary: 'loaded or generated data holds a value that cannot be used (a non-finite embedding)' },
  // Configuration
  ERR_CONFIG_INVALID: { status: 500, summary: 'configuration is invalid' },
  ERR_CONFIG_NOT_SUPPORTED: { status: 500, summary: 'configuration uses a PaiRec feature this engine does not support yet' },
  ERR_CONFIG_READ: { status: 500, summary: 'configuration file cannot be read or parsed' },
  // Command line (no HTTP answer carries it: `pairec` exits with status 2)
  ERR_USAGE: { status: 500, summary: 'the command line is wrong: an unknown command or option, a missing or bad value' },
} as const satisfies Record<string, { status: number; summary: string; log?: ErrorLogLevel }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/**
 * How a request that failed with a code is logged. `error`, with the stack and cause: a
 * fault someone should look into. `warn`, one line without a stack: expected load
 * shedding or a server protecting itself (at capacity, a full queue, a backend ejected,
 * still loading), which under load comes by the thousand and says nothing a metric does
 * not. `none`: the client's own mistake, answered 4xx and counted, not logged.
 * An entry's `log` sets it; otherwise a 5xx is `error` and a 4xx `none`.
 */
export type ErrorLogLevel = 'error' | 'warn' | 'none';

export function logLevelOf(code: ErrorCode): ErrorLogLevel {
  const entry: { status: number; log?: ErrorLogLevel } = ERROR_CATALOG[code];
  return entry.log ?? (entry.status >= 500 ? 'error' : 'none');
}

/** An error with a stable code from the catalog; `path` names the field or JSON path at fault. */
export class PairecError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PairecError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.path = options?.path;
  }
}

/** Whether a string (from another thread or process) names a catalog entry. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOG, code);
}

export function isPairecError(err: unknown): err is PairecError {
  return err instanceof PairecError;
}

/** Several configuration problems reported at once, each with its JSON path. */
export class ConfigError extends PairecError {
  readonly problems: readonly PairecError[];

  constructor(problems: readonly PairecError[]) {
    const first = problems[0];
    super(
      first?.code ?? 'ERR_CONFIG_INVALID',
      problems.map((p) => p.message).join('; ') || 'configuration is invalid',
      first?.path === undefined ? undefined : { path: first.path },
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
