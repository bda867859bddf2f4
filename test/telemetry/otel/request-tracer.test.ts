import { describe, expect, it } from 'vitest';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracedOutcome, TracedRequest } from '../../../src/domain/request-trace.js';
import { OtelRequestTracer } from '../../../src/telemetry/otel/otel-request-tracer.js';

/** The tracer over in-memory exporters: what each request's span and metrics hold, without a collector. */
function setup() {
  const spans = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 60_000 });
  const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
  const tracer = new OtelRequestTracer(
    provider.getTracer('test'),
    { tokenUsage: meter.createHistogram('gen_ai.client.token.usage'), operationDuration: meter.createHistogram('gen_ai.client.operation.duration') },
    (agent) => (agent.startsWith('ops-') ? 'ops' : 'default'),
  );
  return { spans, tracer, reader, metrics };
}

const T0 = Date.now();
const request = (over: Partial<TracedRequest> = {}): TracedRequest => ({
  provider: 'openai',
  route: '/v1/chat/completions',
  agent: 'ops-bot',
  model: 'gpt-4o-mini',
  estimatedInputTokens: 42,
  traceparent: undefined,
  tracestate: undefined,
  startedAt: T0,
  ...over,
});
const ok = (over: Partial<TracedOutcome> = {}): TracedOutcome => ({
  status: 200,
  outcome: 'forwarded',
  errorCode: undefined,
  responseModel: 'gpt-4o-mini-2024-07-18',
  usage: { input: 40, output: 7, cachedInput: 0, cacheCreationInput: undefined, reasoning: 0, source: 'provider' },
  endedAt: T0 + 250,
  ...over,
});

describe('OtelRequestTracer', () => {
  it('a queued request: queued and released events, decision queued, the team from teamOf', () => {
    const { spans, tracer } = setup();
    const trace = tracer.start(request());
    trace.decided({ admitted: true, source: 'allocation', queuedMs: 120 });
    trace.end(ok());
    const [span] = spans.getFinishedSpans();
    expect(span?.attributes).toMatchObject({ 'token_ninja.decision': 'queued', 'token_ninja.queued_ms': 120, 'token_ninja.team': 'ops', 'token_ninja.estimated_input_tokens': 42 });
    expect(span?.events.map((e) => e.name)).toEqual(['token_ninja.queued', 'token_ninja.released']);
    const [queued, released] = span!.events;
    // The queued event is dated when the wait began.
    const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
    expect(ms(released!.time) - ms(queued!.time)).toBeCloseTo(120, 0);
  });

  it('served from the burst buffer: its event and decision burst', () => {
    const { spans, tracer } = setup();
    const trace = tracer.start(request());
    trace.decided({ admitted: true, source: 'burst', queuedMs: 0 });
    trace.end(ok());
    const [span] = spans.getFinishedSpans();
    expect(span?.attributes['token_ninja.decision']).toBe('burst');
    expect(span?.events.map((e) => e.name)).toEqual(['token_ninja.served_from_burst']);
  });

  it('continues a valid client traceparent and keeps its tracestate; a malformed one starts a new trace', () => {
    const { spans, tracer } = setup();
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const child = tracer.start(request({ traceparent: parent, tracestate: 'vendor=1' }));
    expect(child.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    child.end(ok());
    const fresh = tracer.start(request({ traceparent: '00-not-a-trace-01' }));
    fresh.end(ok());
    const [a, b] = spans.getFinishedSpans();
    expect(a?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(a?.spanContext().traceState?.serialize()).toBe('vendor=1');
    expect(b?.parentSpanContext).toBeUndefined();
    expect(b?.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('an upstream error: error.type is the status, the span status ERROR, usage when there was some; ends once', () => {
    const { spans, tracer } = setup();
    const trace = tracer.start(request({ provider: 'anthropic', route: '/v1/messages', model: 'claude-x' }));
    trace.end(ok({ status: 529, outcome: 'upstream_error', usage: undefined, responseModel: undefined }));
    trace.end(ok());
    const finished = spans.getFinishedSpans();
    expect(finished).toHaveLength(1);
    expect(finished[0]?.name).toBe('chat claude-x');
    expect(finished[0]?.attributes['error.type']).toBe('529');
    expect(finished[0]?.status.code).toBe(2);
    expect(finished[0]?.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('cache and reasoning tokens where reported', () => {
    const { spans, tracer } = setup();
    tracer.start(request()).end(ok({ usage: { input: 100, output: 50, cachedInput: 64, cacheCreationInput: 8, reasoning: 30, source: 'provider' } }));
    expect(spans.getFinishedSpans()[0]?.attributes).toMatchObject({
      'gen_ai.usage.cache_read.input_tokens': 64,
      'gen_ai.usage.cache_creation.input_tokens': 8,
      'gen_ai.usage.reasoning.output_tokens': 30,
    });
  });

  it('records token usage by type and the duration in seconds, without the agent', async () => {
    const { tracer, reader, metrics } = setup();
    tracer.start(request()).end(ok());
    await reader.forceFlush();
    const all = metrics.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)) as HistogramMetricData[];
    const usage = all.find((m) => m.descriptor.name === 'gen_ai.client.token.usage')!;
    const byType = Object.fromEntries(usage.dataPoints.map((p) => [p.attributes['gen_ai.token.type'], p.value.sum]));
    expect(byType).toEqual({ input: 40, output: 7 });
    expect(usage.dataPoints[0]?.attributes['token_ninja.agent']).toBeUndefined();
    const duration = all.find((m) => m.descriptor.name === 'gen_ai.client.operation.duration')!;
    expect(duration.dataPoints[0]?.value.sum).toBeCloseTo(0.25, 5);
  });

  it('bounds the model names on the metrics (clients choose them), not on the spans', async () => {
    const { tracer, reader, metrics, spans } = setup();
    for (let i = 0; i < 250; i++) tracer.start(request({ model: `model-${i}` })).end(ok({ responseModel: `model-${i}` }));
    await reader.forceFlush();
    const all = metrics.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)) as HistogramMetricData[];
    const duration = all.find((m) => m.descriptor.name === 'gen_ai.client.operation.duration')!;
    const models = new Set(duration.dataPoints.map((p) => p.attributes['gen_ai.request.model']));
    expect(models.size).toBe(201);
    expect(models.has('other')).toBe(true);
    expect(duration.dataPoints.find((p) => p.attributes['gen_ai.request.model'] === 'other')?.value.count).toBe(50);
    expect(spans.getFinishedSpans().map((sp) => sp.attributes['gen_ai.request.model'])).toContain('model-249');
  });
});
