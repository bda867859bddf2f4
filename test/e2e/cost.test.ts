import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';
import { until } from './ports.js';

const AGENTS = ['claude-user', 'gpt-user', 'mystery-user', 'cut-user'];

/**
 * The dollars a request costs, end to end: the official SDKs against the proxy in front of the mock provider,
 * the cost read back from /metrics and checked against the usage the SDK received, priced by hand.
 */
describe('cost of every request in dollars (token_ninja_cost_usd_total)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      config: { reallocateSeconds: 3600, prices: { 'gpt-4o-mini': { output: 1 }, default: { input: 1, output: 2 } } },
      behaviour: { outputTokens: 30 },
    });
    stack.app.admission.applyAllocations({ allocations: Object.fromEntries(AGENTS.map((a) => [a, 1e12])) });
  });
  afterAll(async () => stack.close());

  async function metric(series: string): Promise<number | undefined> {
    const text = await (await request(`${stack.app.adminUrl}/metrics`)).body.text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }

  async function settled(series: string): Promise<number> {
    await until(`${series} is exported`, async () => (await metric(series)) !== undefined);
    return (await metric(series)) ?? Number.NaN;
  }

  it('Anthropic: input, cache reads and cache writes each at their own price, none counted twice', async () => {
    const client = new Anthropic({
      baseURL: `${stack.app.url}/agents/claude-user`,
      apiKey: 'sk-test',
      maxRetries: 0,
      defaultHeaders: { 'x-mock-behaviour': JSON.stringify({ cachedTokens: 6, cacheCreationTokens: 4 }) },
    });
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Summarise the quarterly report in three bullet points, please.' }],
    });
    const u = message.usage;
    expect(u.cache_read_input_tokens).toBe(6);
    expect(u.cache_creation_input_tokens).toBe(4);
    // Claude Sonnet 4.6 list prices per million: $3 input, $3.75 5-minute cache write, $0.30 cache read, $15 output.
    const expected = (u.input_tokens * 3 + 4 * 3.75 + 6 * 0.3 + u.output_tokens * 15) / 1e6;
    const cost = await settled('token_ninja_cost_usd_total{agent="claude-user",team="default",model="claude-sonnet-4-6"}');
    expect(cost).toBeCloseTo(expected, 12);
    // The request's log line carries the same figure, and the cache writes it was charged.
    const line = () => stack.logs.find((l) => l.msg === 'request' && l.agent === 'claude-user');
    await until('the request is logged', () => line() !== undefined);
    expect(line()).toMatchObject({ costUsd: expect.closeTo(expected, 12) as unknown, tokens: { cached: 6, cacheWrite: 4 } });
  });

  it('OpenAI: cached prompt tokens at the cached price, reasoning at the output price; config overrides the book', async () => {
    const client = new OpenAI({
      baseURL: `${stack.app.url}/agents/gpt-user/v1`,
      apiKey: 'sk-test',
      maxRetries: 0,
      defaultHeaders: { 'x-mock-behaviour': JSON.stringify({ cachedTokens: 5, reasoningTokens: 7 }) },
    });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'List three prime numbers greater than one hundred.' }],
    });
    const u = completion.usage;
    expect(u?.prompt_tokens_details?.cached_tokens).toBe(5);
    expect(u?.completion_tokens_details?.reasoning_tokens).toBe(7);
    // gpt-4o-mini: $0.15 input and $0.075 cached from the book, output $1 from config (the book says $0.60).
    const expected = (((u?.prompt_tokens ?? 0) - 5) * 0.15 + 5 * 0.075 + (u?.completion_tokens ?? 0) * 1) / 1e6;
    const cost = await settled('token_ninja_cost_usd_total{agent="gpt-user",team="default",model="gpt-4o-mini"}');
    expect(cost).toBeCloseTo(expected, 12);
  });

  it('a stream cut before its usage is priced from what the proxy counted (the estimate and the streamed output)', async () => {
    const res = await request(`${stack.app.url}/agents/cut-user/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-behaviour': JSON.stringify({ fault: 'reset', resetAfterChunks: 2 }) },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Tell me a long story.' }] }),
    });
    await res.body.text().catch(() => '');
    const line = () => stack.logs.find((l) => l.msg === 'request' && l.agent === 'cut-user');
    await until('the cut request is logged', () => line() !== undefined);
    const tokens = line()?.tokens as { input: number; output: number; source: string };
    expect(tokens.source).toBe('estimated');
    expect(tokens.output).toBeGreaterThan(0);
    const cost = await settled('token_ninja_cost_usd_total{agent="cut-user",team="default",model="gpt-4o-mini"}');
    expect(cost).toBeCloseTo((tokens.input * 0.15 + tokens.output * 1) / 1e6, 12);
  });

  it('a model the book does not price is charged prices.default and counted as unpriced', async () => {
    const client = new OpenAI({ baseURL: `${stack.app.url}/agents/mystery-user/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'in-house-llm', max_tokens: 64, messages: [{ role: 'user', content: 'Hello there.' }] });
    const u = completion.usage;
    const expected = ((u?.prompt_tokens ?? 0) * 1 + (u?.completion_tokens ?? 0) * 2) / 1e6;
    const cost = await settled('token_ninja_cost_usd_total{agent="mystery-user",team="default",model="in-house-llm"}');
    expect(cost).toBeCloseTo(expected, 12);
    expect(await metric('token_ninja_unpriced_requests_total{model="in-house-llm"}')).toBe(1);
    expect(await metric('token_ninja_unpriced_requests_total{model="gpt-4o-mini"}')).toBeUndefined();
  });
});
