import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Tracer } from '@opentelemetry/api';
import type { TickTracer, TracedTick } from '../../domain/tick-trace.js';
import * as A from './gen-ai-attributes.js';

/** Each reallocation tick as a span of its own (a root: no request caused it). */
export class OtelTickTracer implements TickTracer {
  constructor(private readonly tracer: Tracer) {}

  tick(tick: TracedTick): void {
    const attributes: Attributes = {};
    if (tick.tick !== undefined) attributes[A.TN_TICK] = tick.tick;
    if (tick.pool !== undefined) attributes[A.TN_POOL] = tick.pool;
    if (tick.burstReserve !== undefined) attributes[A.TN_BURST_RESERVE] = tick.burstReserve;
    if (tick.agents !== undefined) attributes[A.TN_AGENTS] = tick.agents;
    if (tick.agentsChanged !== undefined) attributes[A.TN_AGENTS_CHANGED] = tick.agentsChanged;
    const span = this.tracer.startSpan(A.TICK_SPAN_NAME, { kind: SpanKind.INTERNAL, startTime: tick.startedAt, attributes, root: true }, ROOT_CONTEXT);
    if (tick.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: tick.error });
    span.end(tick.endedAt);
  }
}
