import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { PairecError } from '../errors.js';
import type { LoopLagSampler } from '../observability/loop-lag.js';
import { errorBody } from './error-reply.js';
import { SlotLedger } from './admission-slots.js';
import type { Slot } from './admission-slots.js';
import { CALLBACK_ROUTE, FEED_ROUTE, RECOMMEND_ROUTE } from './routes/paths.js';

/** Why a request was shed: the closed label set of `pairec_admission_shed_total{reason}`. */
export const SHED_REASONS = ['concurrency', 'loop_delay'] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

/** Routes that do work and are admitted; probes and /metrics never are (they must answer under overload). */
export const ADMITTED_ROUTES: ReadonlySet<string> = new Set([RECOMMEND_ROUTE, FEED_ROUTE, CALLBACK_ROUTE]);

/** The config's limits, read on every request from the serving config (a reload changes them at once). */
export interface AdmissionLimits {
  readonly max_concurrent_requests: number;
  /** Shed while the event loop lags more than this, ms; 0 turns loop-delay shedding off. */
  readonly shed_loop_delay_ms: number;
}

export interface AdmissionOptions {
  readonly registry: Registry;
  /** The serving config's limits; undefined while loading (nothing is limited: the routes answer 503 themselves). */
  readonly limits: () => AdmissionLimits | undefined;
  readonly lag: LoopLagSampler;
}

/** Seconds a shed client should wait: the overload is usually over by then, and the number is what proxies expect. */
const RETRY_AFTER_SECONDS = '1';
/** The slot an admitted response holds, read by the one shared release listener. */
const SLOT = Symbol('pairec.slot');
type Holder = { [SLOT]?: Slot };

/** Built once: a shed reply serialises nothing. */
const SHED_BODY = JSON.stringify(errorBody(new PairecError('ERR_OVERLOADED', 'overloaded')));

/**
 * Admission control: a fixed concurrency limit (`performance.max_concurrent_requests`)
 * and event-loop-delay shedding (`performance.shed_loop_delay_ms`). A request is admitted
 * once its body has been read and parsed (the preValidation hook): waiting for a client's
 * bytes is not work, and a client trickling its body must not hold a slot (body reading
 * has bounds of its own, `body-reading.ts`). A request over either limit is answered 503
 * ERR_OVERLOADED with Retry-After before any backend is called.
 *
 * The slot is released exactly once, by the first of: the response's 'finish', its
 * 'close', or its connection's 'close' (`SlotLedger`). The last is needed for pipelined
 * requests queued behind others on a connection the client closed: their responses never
 * emit anything. (A request's own 'close' is not listened to: since Node 16 it fires as
 * soon as the body has been read, which is before admission or just after it, and an
 * aborted request always takes its connection down with it.) Per admitted request the
 * cost is two comparisons, a small slot object, a map lookup and two listeners (the same
 * function for every request); per connection one 'close' listener.
 */
export class Admission {
  /** Requests admitted since start (the shutdown log reports it next to `inFlight`). */
  admitted = 0;
  readonly #limits: () => AdmissionLimits | undefined;
  readonly lag: LoopLagSampler;
  readonly #shed: Readonly<Record<ShedReason, { inc(): void }>>;
  readonly #slots = new SlotLedger<Socket>();
  /** Watches a connection's close, once per connection that ever held a slot. */
  readonly #watch: (socket: Socket) => void;

  constructor(opts: AdmissionOptions) {
    this.#limits = opts.limits;
    const slots = this.#slots;
    this.release = function release(this: Holder): void {
      const slot = this[SLOT];
      if (slot !== undefined) slots.release(slot);
    };
    this.#watch = (socket) => {
      socket.once('close', () => slots.releaseOwner(socket));
    };
    this.lag = opts.lag;
    const shed = new Counter({
      name: 'pairec_admission_shed_total',
      help: 'Requests answered 503 ERR_OVERLOADED without being run, by reason (concurrency, loop_delay)',
      labelNames: ['reason'],
      registers: [opts.registry],
    });
    this.#shed = { concurrency: shed.labels('concurrency'), loop_delay: shed.labels('loop_delay') };
    new Gauge({
      name: 'pairec_admission_in_flight',
      help: 'Admitted /api/recommend and /api/callback requests not yet answered',
      registers: [opts.registry],
      collect() {
        this.set(slots.held);
      },
    });
  }

  /** Admitted requests not yet released. */
  get inFlight(): number {
    return this.#slots.held;
  }

  /** The response's 'finish' and 'close' listener (`this` is the response): one function for every request. */
  readonly release: (this: Holder) => void;

  /** fastify preValidation hook, after the body is parsed (callback style: no promise per request). */
  readonly admit = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    // Already answered (a body cut off at its timeout that still arrived whole), or its
    // connection is gone: nothing to run, and no event would ever release a slot.
    if (reply.sent || req.raw.socket.destroyed) return;
    const limits = this.#limits();
    if (limits !== undefined) {
      if (this.#slots.held >= limits.max_concurrent_requests) return this.#reject(reply, 'concurrency');
      if (limits.shed_loop_delay_ms > 0 && this.lag.lagMs > limits.shed_loop_delay_ms) return this.#reject(reply, 'loop_delay');
    }
    this.admitted++;
    const res = reply.raw;
    (res as Holder)[SLOT] = this.#slots.acquire(req.raw.socket, this.#watch);
    res.on('finish', this.release);
    res.on('close', this.release);
    done();
  };

  #reject(reply: FastifyReply, reason: ShedReason): void {
    this.#shed[reason].inc();
    void reply.code(503).header('retry-after', RETRY_AFTER_SECONDS).type('application/json').send(SHED_BODY);
  }
}
