import { getHeapSnapshot } from 'node:v8';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { PairecError } from '../../errors.js';
import { InProcessProfiler } from '../../observability/inspector.js';
import { sendError } from '../error-reply.js';
import { checkProfilingAccess } from '../profiling-guard.js';

export const MAX_PROFILE_SECONDS = 60;
const DEFAULT_PROFILE_SECONDS = 30;

function seconds(query: unknown): number {
  const raw = (query as Record<string, unknown> | undefined)?.['seconds'];
  if (raw === undefined) return DEFAULT_PROFILE_SECONDS;
  const n = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_PROFILE_SECONDS)) {
    throw new PairecError('ERR_INVALID_FIELD', `seconds must be an integer 1..${MAX_PROFILE_SECONDS}`, { path: 'seconds' });
  }
  return n;
}

/** pid first: with several worker processes, each file names the worker it profiles. */
const stamp = (): string => `${process.pid}-${new Date().toISOString().replace(/[:.]/g, '-')}`;

/**
 * Go's net/http/pprof in Node terms, on the serving port:
 *   GET /debug/pprof/profile?seconds=N  CPU profile for N s (.cpuprofile)
 *   GET /debug/pprof/allocs?seconds=N   sampling heap profile for N s (.heapprofile)
 *   GET /debug/pprof/heap               heap snapshot, streamed (.heapsnapshot)
 * Off unless monitoring.profiling.enabled (read per request, so a reload turns it on or
 * off); one profile at a time.
 */
export function profilingRoutes(app: FastifyInstance, engine: Engine): void {
  const profiler = new InProcessProfiler();
  let busy = false;
  // A profile in progress ends early (and is sent) when the server closes.
  const closing = new AbortController();
  app.addHook('onClose', (_app, done) => {
    closing.abort();
    void profiler.close().then(() => done(), done);
  });

  /** Access check, then the busy flag; the caller must release it. */
  const admit = (req: FastifyRequest, reply: FastifyReply, route: string): boolean => {
    const conf = engine.current()?.config.monitoring.profiling;
    const denied = checkProfilingAccess(conf, req.headers.authorization, req.socket.remoteAddress, route);
    if (denied) {
      if (denied.code === 'ERR_UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer');
      void sendError(reply, denied);
      return false;
    }
    if (busy) {
      void sendError(reply, new PairecError('ERR_PROFILER_BUSY', 'another profile is being taken; retry when it ends'));
      return false;
    }
    busy = true;
    return true;
  };

  /** Resolves after `s` seconds, or early when the client leaves or the server closes. */
  const wait = (s: number, req: FastifyRequest): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        closing.signal.removeEventListener('abort', done);
        req.raw.socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, s * 1000);
      closing.signal.addEventListener('abort', done, { once: true });
      req.raw.socket.once('close', done);
    });

  const timed = (route: string, ext: string, start: () => Promise<void>, stop: () => Promise<unknown>) =>
    app.get(route, async (req, reply) => {
      const s = seconds(req.query); // 400 before taking the lock
      if (!admit(req, reply, route)) return reply;
      let profile: unknown;
      try {
        await start();
        try {
          await wait(s, req);
        } finally {
          profile = await stop();
        }
      } finally {
        busy = false;
      }
      req.log.info({ route, seconds: s }, 'profile taken');
      return reply.type('application/json').header('content-disposition', `attachment; filename="pairec-${stamp()}.${ext}"`).send(JSON.stringify(profile));
    });

  timed(
    '/debug/pprof/profile',
    'cpuprofile',
    () => profiler.startCpu(),
    () => profiler.stopCpu(),
  );
  timed(
    '/debug/pprof/allocs',
    'heapprofile',
    () => profiler.startHeap(),
    () => profiler.stopHeap(),
  );

  app.get('/debug/pprof/heap', (req, reply) => {
    if (!admit(req, reply, '/debug/pprof/heap')) return reply;
    // The snapshot is taken synchronously (the event loop stops for it, as in any V8 heap
    // snapshot), then streamed: it is never held whole as one string.
    let stream;
    try {
      stream = getHeapSnapshot();
    } catch (err) {
      busy = false;
      throw err;
    }
    stream.once('close', () => {
      busy = false;
    });
    req.log.info({ route: '/debug/pprof/heap' }, 'heap snapshot taken');
    return reply.type('application/json').header('content-disposition', `attachment; filename="pairec-${stamp()}.heapsnapshot"`).send(stream);
  });
}
