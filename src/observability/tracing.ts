import { SpanKind, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { RequestSpans } from './request-spans.js';
import { extractParent } from './trace-headers.js';
import { hrTime } from './span-time.js';

/** The tracing keys of the config's `monitoring` block. */
export interface TracingConf {
  readonly enable_tracing: boolean;
  readonly sample_rate: number;
  readonly otlp_endpoint?: string | undefined;
}

/**
 * OpenTelemetry tracing of the engine: one tracer provider of its own (no global
 * registration, so several engines in one process keep apart), sampling a request at
 * `sample_rate` unless its caller's `traceparent` decided already (parent-based), and
 * exporting over OTLP/HTTP when `otlp_endpoint` is set.
 */
export class Tracing {
  readonly tracer: Tracer;
  readonly #provider: BasicTracerProvider;

  /** Undefined when `enable_tracing` is off: nothing is then created, hooked or wrapped. */
  static create(conf: TracingConf, extraProcessors: readonly SpanProcessor[] = []): Tracing | undefined {
    if (!conf.enable_tracing) return undefined;
    const processors = [...extraProcessors];
    if (conf.otlp_endpoint) processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: conf.otlp_endpoint })));
    return new Tracing(conf.sample_rate, processors);
  }

  private constructor(sampleRate: number, spanProcessors: SpanProcessor[]) {
    this.#provider = new BasicTracerProvider({
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRate) }),
      spanProcessors,
    });
    this.tracer = this.#provider.getTracer('pairec');
  }

  /**
   * The spans of one request, continuing the caller's trace if its headers carry one;
   * undefined when the request is not sampled, so the stages make no span at all.
   */
  startRequest(name: string, headers: Readonly<Record<string, string | string[] | undefined>>, attributes: Record<string, string>): RequestSpans | undefined {
    const parent = extractParent(headers);
    const root: Span = this.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes, startTime: hrTime() }, parent);
    if (!root.isRecording()) return undefined;
    return new RequestSpans(this.tracer, root, trace.setSpan(parent, root));
  }

  /** Exports what is buffered and stops. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}
