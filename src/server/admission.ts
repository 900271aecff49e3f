import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { PairecError } from '../errors.js';
import type { LoopLagSampler } from '../observability/loop-lag.js';
import { errorBody } from './error-reply.js';
import { CALLBACK_ROUTE, RECOMMEND_ROUTE } from './routes/paths.js';

/** Why a request was shed: the closed label set of `pairec_admission_shed_total{reason}`. */
export const SHED_REASONS = ['concurrency', 'loop_delay'] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

/** Routes that do work and are admitted; probes and /metrics never are (they must answer under overload). */
export const ADMITTED_ROUTES: ReadonlySet<string> = new Set([RECOMMEND_ROUTE, CALLBACK_ROUTE]);

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
/** Marks a response admitted and not yet released: a second 'close' (light-my-request emits two) releases nothing. */
const ADMITTED = Symbol('pairec.admitted');
type Marked = { [ADMITTED]?: boolean };

/** Built once: a shed reply serialises nothing. */
const SHED_BODY = JSON.stringify(errorBody(new PairecError('ERR_OVERLOADED', 'overloaded')));

/**
 * Admission control: a fixed concurrency limit (`performance.max_concurrent_requests`)
 * and event-loop-delay shedding (`performance.shed_loop_delay_ms`). A request over either
 * is answered 503 ERR_OVERLOADED with Retry-After from the onRequest hook, before its body
 * is read or any backend is called. Per admitted request the cost is two comparisons, an
 * increment, a flag and one listener: the shared `release` on the response's 'close', which
 * Node emits whether the response finished or the client went away, so the count cannot
 * leak on aborted requests; the flag makes a repeated 'close' release nothing.
 */
export class Admission {
  /** Admitted requests whose response has not closed yet. */
  inFlight = 0;
  /** Requests admitted since start (the shutdown log reports it next to `inFlight`). */
  admitted = 0;
  readonly #limits: () => AdmissionLimits | undefined;
  readonly lag: LoopLagSampler;
  readonly #shed: Readonly<Record<ShedReason, { inc(): void }>>;

  constructor(opts: AdmissionOptions) {
    this.#limits = opts.limits;
    const admission = this; // eslint-disable-line @typescript-eslint/no-this-alias -- listeners get the response as `this`
    this.release = function release(this: Marked): void {
      if (this[ADMITTED] !== true) return;
      this[ADMITTED] = false;
      admission.inFlight--;
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
        this.set(admission.inFlight);
      },
    });
  }

  /** The response's 'close' listener (`this` is the response): one function for every request. */
  readonly release: (this: Marked) => void;

  /** fastify onRequest hook (callback style: no promise per request). */
  readonly onRequest = (_req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const limits = this.#limits();
    if (limits !== undefined) {
      if (this.inFlight >= limits.max_concurrent_requests) return this.#reject(reply, 'concurrency');
      if (limits.shed_loop_delay_ms > 0 && this.lag.lagMs > limits.shed_loop_delay_ms) return this.#reject(reply, 'loop_delay');
    }
    this.inFlight++;
    this.admitted++;
    (reply.raw as Marked)[ADMITTED] = true;
    reply.raw.on('close', this.release);
    done();
  };

  #reject(reply: FastifyReply, reason: ShedReason): void {
    this.#shed[reason].inc();
    void reply.code(503).header('retry-after', RETRY_AFTER_SECONDS).type('application/json').send(SHED_BODY);
  }
}
