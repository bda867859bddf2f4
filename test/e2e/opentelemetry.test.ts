import { randomBytes } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { admin, startProxy, type ProxyProcess } from '../fleet/cli.js';
import { buildCli } from './cli-build.js';
import { startStack } from './harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
import { until } from './ports.js';

/**
 * The real CLI with the standard OTEL_* variables pointing at a collector stand-in (OTLP/HTTP JSON): a span per
 * metered request continuing the client's traceparent, the proxy's own traceparent sent upstream, budget
 * decisions as events, a span per reallocation tick, and the GenAI client metrics.
 */

let cli: string;
let receiver: OtlpReceiver;
let mock: MockProvider;
let proxy: ProxyProcess;

/** The env of a proxy exporting to the receiver in OTLP/HTTP JSON. */
function otelEnv(more: Record<string, string>): Record<string, string> {
  return {
    TOKEN_NINJA_STORE: 'memory',
    TOKEN_NINJA_OPENAI_URL: mock.url,
    TOKEN_NINJA_ANTHROPIC_URL: mock.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    ...more,
  };
}

beforeAll(async () => {
  [cli, receiver, mock] = await Promise.all([buildCli(), startOtlpReceiver(), startMockProvider({ behaviour: { seed: 'otel', outputTokens: 12 } })]);
  proxy = await startProxy(otelEnv({ OTEL_SERVICE_NAME: 'token-ninja-e2e', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_METRIC_EXPORT_INTERVAL: '200' }), [], cli);
}, 120_000);

afterAll(async () => {
  await proxy?.kill();
  await Promise.all([mock?.close(), receiver?.close()]);
});

/** A fresh W3C trace context, as an agent's own tracing would send it. */
function clientContext(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** The spans of one client trace, once the proxy exported them. */
async function spansOfTrace(traceId: string): Promise<ReceivedSpan[]> {
  await until(`the proxy exports a span of trace ${traceId}`, () => receiver.spans.some((s) => s.traceId === traceId));
  return receiver.spans.filter((s) => s.traceId === traceId);
}

/** The traceparent the mock provider received with the request of `traceId`. */
function upstreamTraceparent(traceId: string): string | undefined {
  const seen = mock.requests.map((r) => r.headers.traceparent).filter((t): t is string => typeof t === 'string');
  return seen.find((t) => t.split('-')[1] === traceId);
}

describe('OpenTelemetry over OTLP/HTTP', () => {
  it('a non-streaming OpenAI chat: one span under the client span, GenAI attributes, traceparent continued upstream', async () => {
    const ctx = clientContext();
    const client = new OpenAI({ baseURL: `${proxy.url}/agents/planner/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const completion = await client.chat.completions.create(
      { model: 'gpt-4o-mini', max_tokens: 12, messages: [{ role: 'user', content: 'Say hello to the tracer' }] },
      { headers: { traceparent: ctx.traceparent } },
    );
    const spans = await spansOfTrace(ctx.traceId);
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.parentSpanId).toBe(ctx.spanId);
    expect(span.name).toBe('chat gpt-4o-mini');
    expect(span.kind).toBe(3); // CLIENT
    expect(span.resource['service.name']).toBe('token-ninja-e2e');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': completion.model,
      'gen_ai.usage.input_tokens': completion.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage!.completion_tokens,
      'token_ninja.agent': 'planner',
      'token_ninja.team': 'default',
      'token_ninja.decision': 'allocation',
      'token_ninja.queued_ms': 0,
    });
    expect(span.attributes['token_ninja.estimated_input_tokens']).toBeGreaterThan(0);
    expect(span.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(0);
    expect(span.status.code ?? 0).not.toBe(2); // not ERROR
    // Upstream, the trace goes on under the proxy's span, not the client's.
    expect(upstreamTraceparent(ctx.traceId)).toBe(`00-${ctx.traceId}-${span.spanId}-01`);
  });

  it('a streaming Anthropic message: one span with the usage the stream reported', async () => {
    const ctx = clientContext();
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'sk-ant-test', maxRetries: 0, defaultHeaders: { 'x-token-ninja-agent': 'writer' } });
    const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 12, messages: [{ role: 'user', content: 'Stream a short line' }] }, { headers: { traceparent: ctx.traceparent } });
    const message = await stream.finalMessage();
    const spans = await spansOfTrace(ctx.traceId);
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.parentSpanId).toBe(ctx.spanId);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'anthropic',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.response.model': message.model,
      'gen_ai.usage.input_tokens': message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0) + (message.usage.cache_creation_input_tokens ?? 0),
      'gen_ai.usage.output_tokens': message.usage.output_tokens,
      'token_ninja.agent': 'writer',
      'token_ninja.decision': 'allocation',
      'token_ninja.usage_source': 'provider',
    });
    expect(upstreamTraceparent(ctx.traceId)).toBe(`00-${ctx.traceId}-${span.spanId}-01`);
  });

  it('a refused request: decision rejected, a refused event, an error status; the reallocation tick is a span', async () => {
    // An operator's zero allocation: the agent's requests can never be admitted, so they are refused at once.
    expect((await admin(proxy, '/v1/overrides/starved', { method: 'PUT', body: JSON.stringify({ tokensPerMinute: 0 }) })).status).toBe(200);
    expect((await admin(proxy, '/v1/reallocate', { method: 'POST' })).status).toBe(200);
    const ctx = clientContext();
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'starved', traceparent: ctx.traceparent },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 12, messages: [{ role: 'user', content: 'anything?' }] }),
    });
    expect(res.status).toBe(429);
    await res.arrayBuffer();
    const [span, ...more] = await spansOfTrace(ctx.traceId);
    expect(more).toHaveLength(0);
    expect(span!.attributes).toMatchObject({ 'token_ninja.agent': 'starved', 'token_ninja.decision': 'rejected', 'error.type': 'token_budget_exceeded' });
    expect(span!.status.code).toBe(2); // ERROR
    const refused = span!.events.find((e) => e.name === 'token_ninja.refused');
    expect(refused?.attributes['token_ninja.refusal_reason']).toBe('wait-too-long');
    expect(refused?.attributes['token_ninja.retry_after_ms']).toBeGreaterThan(0);
    // Nothing went upstream.
    expect(upstreamTraceparent(ctx.traceId)).toBeUndefined();

    // The reallocation the override asked for: the new agent's allocation changed (from none to zero).
    const afterOverride = (s: ReceivedSpan) => s.name === 'token_ninja.reallocate' && Number(s.attributes['token_ninja.agents']) >= 3;
    await until('a tick span naming the starved agent is exported', () => receiver.spans.some(afterOverride));
    const tick = receiver.spans.find(afterOverride)!;
    expect(tick.attributes['token_ninja.agents_changed']).toBeGreaterThanOrEqual(1);
    expect(tick.parentSpanId).toBe('');
    expect(tick.attributes['token_ninja.pool']).toBeGreaterThan(0);
    // Zero when no agent may burst (none claims high): the engine shares the reserve out then.
    expect(tick.attributes['token_ninja.burst_reserve']).toBeGreaterThanOrEqual(0);
    expect(typeof tick.attributes['token_ninja.tick']).toBe('number');
  });

  it('exports gen_ai.client.token.usage by token type and gen_ai.client.operation.duration', async () => {
    const usage = (type: string, provider: string) =>
      receiver.histogramPoints.filter((p) => p.metric === 'gen_ai.client.token.usage' && p.attributes['gen_ai.token.type'] === type && p.attributes['gen_ai.provider.name'] === provider);
    await until('the token usage histogram has input and output points for both providers', () =>
      ['input', 'output'].every((type) => ['openai', 'anthropic'].every((provider) => usage(type, provider).some((p) => p.count >= 1))),
    );
    const input = usage('input', 'openai').at(-1)!;
    expect(input.unit).toBe('{token}');
    expect(input.sum).toBeGreaterThan(0);
    expect(input.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' });
    // Bounded labels only: no agent on the OTLP metrics.
    expect(input.attributes['token_ninja.agent']).toBeUndefined();
    const refusals = () => receiver.histogramPoints.filter((p) => p.metric === 'gen_ai.client.operation.duration' && p.attributes['error.type'] === 'token_budget_exceeded');
    await until('the operation duration histogram has a point for the refusal', () => refusals().length > 0);
    expect(refusals()[0]!.count).toBeGreaterThanOrEqual(1);
    expect(receiver.histogramPoints.find((p) => p.metric === 'gen_ai.client.operation.duration')!.unit).toBe('s');
  });

  it('on SIGTERM, after the drain, what is still buffered is exported', async () => {
    // Batches that would wait a minute: only the shutdown flush can deliver them in time.
    const late = await startProxy(otelEnv({ OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_METRIC_EXPORT_INTERVAL: '60000' }), [], cli);
    try {
      const ctx = clientContext();
      const res = await fetch(`${late.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'last-one', traceparent: ctx.traceparent },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: 'bye' }] }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(receiver.spans.some((s) => s.traceId === ctx.traceId)).toBe(false);
      expect(await late.stop()).toBe(0);
      expect(receiver.spans.filter((s) => s.traceId === ctx.traceId)).toHaveLength(1);
      expect(late.logs.filter((l) => l.level === 40 && String(l.msg).startsWith('opentelemetry'))).toEqual([]);
    } finally {
      await late.kill();
    }
  });

  it('exports OTLP/HTTP protobuf when no protocol is named (the spec default)', async () => {
    const env = otelEnv({ OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_METRIC_EXPORT_INTERVAL: '200' });
    delete env.OTEL_EXPORTER_OTLP_PROTOCOL;
    const proto = await startProxy(env, [], cli);
    try {
      // The startup tick's span is exported without any request.
      await until('a protobuf export arrives', () => receiver.contentTypes.has('application/x-protobuf'));
    } finally {
      await proto.kill();
    }
  });

  it('the Prometheus endpoint stays as it was', async () => {
    const res = await fetch(`${proxy.adminUrl}/metrics`);
    const text = await res.text();
    expect(text).toContain('token_ninja_tokens_total');
    expect(text).not.toContain('gen_ai');
  });
});

describe('OpenTelemetry off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('forwards the client\'s traceparent and tracestate upstream unchanged', async () => {
    const stack = await startStack();
    try {
      const ctx = clientContext();
      const res = await fetch(`${stack.app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: ctx.traceparent, tracestate: 'vendor=abc' },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const seen = stack.mock.requests.at(-1)?.headers;
      expect(seen?.traceparent).toBe(ctx.traceparent);
      expect(seen?.tracestate).toBe('vendor=abc');
    } finally {
      await stack.close();
    }
  });
});
