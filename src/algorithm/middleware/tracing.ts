import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { Algorithm, AlgorithmKind, KindInput, KindOutput, RunContext, SpanScope } from '../contract.js';
import { inputSizeOf } from '../contract.js';
import { traceHeaders } from '../../observability/trace-headers.js';
import { hrTime } from '../../observability/span-time.js';
import type { Middleware } from './compose.js';

/** The scope a wrapped algorithm runs in: its own span, so its outbound calls carry it. */
class CallScope implements SpanScope {
  readonly #ctx: Context;
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }
  parent(): Context {
    return this.#ctx;
  }
  headers(): Record<string, string> {
    return traceHeaders(this.#ctx);
  }
}

class TracingAlgorithm<K extends AlgorithmKind> implements Algorithm<K> {
  readonly name: string;
  readonly type: string;
  readonly kind: K;
  readonly #next: Algorithm<K>;
  readonly #tracer: Tracer;
  readonly #size: (input: KindInput<K>) => number;

  constructor(next: Algorithm<K>, tracer: Tracer) {
    this.name = next.name;
    this.type = next.type;
    this.kind = next.kind;
    this.#next = next;
    this.#tracer = tracer;
    this.#size = inputSizeOf[next.kind] as (input: KindInput<K>) => number;
  }

  run(input: KindInput<K>, ctx: RunContext): Promise<KindOutput<K>> {
    const scope = ctx.spans;
    // An unsampled request (or a run outside a request) costs one property read.
    if (!scope) return this.#next.run(input, ctx);
    const parent = scope.parent();
    const span: Span = this.#tracer.startSpan(
      `algorithm ${this.name}`,
      {
        kind: SpanKind.CLIENT,
        startTime: hrTime(),
        attributes: { 'pairec.algorithm.name': this.name, 'pairec.algorithm.type': this.type, 'pairec.items.in': this.#size(input) },
      },
      parent,
    );
    const inner: RunContext = {
      deadline: ctx.deadline,
      signal: ctx.signal,
      requestId: ctx.requestId,
      request: ctx.request,
      spans: new CallScope(trace.setSpan(parent, span)),
    };
    return this.#next.run(input, inner).then(
      (out) => {
        span.end(hrTime());
        return out;
      },
      (err: unknown) => {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        span.end(hrTime());
        throw err;
      },
    );
  }

  close(): Promise<void> {
    return this.#next.close();
  }
}

/** A span per algorithm run of a sampled request, child of the stage that made the call. */
export function withTracing(tracer: Tracer): Middleware {
  return (next) => new TracingAlgorithm(next, tracer);
}
