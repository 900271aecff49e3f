import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import type { SpanScope } from '../algorithm/contract.js';
import { traceHeaders } from './trace-headers.js';
import { hrTime } from './span-time.js';

/**
 * The spans of one sampled request: the request span, one per pipeline stage, and (through
 * the tracing middleware) one per algorithm call. The pipeline reports a stage when it
 * ends (`stage()`, one call in scene.ts); a stage span is opened early only if an
 * algorithm call needs a parent while the stage runs, and is named when the stage ends.
 */
export class RequestSpans implements SpanScope {
  readonly #tracer: Tracer;
  readonly #root: Span;
  readonly #rootCtx: Context;
  /** The span of the stage in progress, if a call already needed it. */
  #open: { span: Span; ctx: Context } | undefined;
  /** performance.now() when the stage in progress began. */
  #stageStart = performance.now();

  constructor(tracer: Tracer, root: Span, rootCtx: Context) {
    this.#tracer = tracer;
    this.#root = root;
    this.#rootCtx = rootCtx;
  }

  /** Parent of a span starting now: the running stage's (opened here if need be). */
  parent(): Context {
    if (!this.#open) {
      const span = this.#tracer.startSpan('stage', { startTime: hrTime(this.#stageStart) }, this.#rootCtx);
      this.#open = { span, ctx: trace.setSpan(this.#rootCtx, span) };
    }
    return this.#open.ctx;
  }

  headers(): Record<string, string> {
    return traceHeaders(this.parent());
  }

  /** The stage `name` ran from `startMs` to `endMs` (performance.now()) with `input` items in, `output` out. */
  stage(name: string, startMs: number, endMs: number, input: number, output: number): void {
    const attributes: Attributes = { 'pairec.stage': name, 'pairec.items.in': input, 'pairec.items.out': output };
    const open = this.#open;
    if (open) {
      open.span.updateName(`stage ${name}`);
      open.span.setAttributes(attributes);
      open.span.end(hrTime(endMs));
      this.#open = undefined;
    } else {
      this.#tracer.startSpan(`stage ${name}`, { startTime: hrTime(startMs), attributes }, this.#rootCtx).end(hrTime(endMs));
    }
    this.#stageStart = endMs;
  }

  /** Ends the request span (and a stage left open by a failure or a fallback). */
  end(status: number, attributes: Attributes): void {
    if (this.#open) {
      this.#open.span.updateName('stage (unfinished)');
      this.#open.span.end(hrTime());
      this.#open = undefined;
    }
    this.#root.setAttributes(attributes);
    this.#root.setAttribute('http.response.status_code', status);
    if (status >= 500) this.#root.setStatus({ code: SpanStatusCode.ERROR });
    this.#root.end(hrTime());
  }
}
