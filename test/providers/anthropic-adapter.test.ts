import { describe, expect, it } from 'vitest';
import { AnthropicAdapter } from '../../src/providers/anthropic/adapter.js';

const ctx = { agent: 'a', defaultOutputTokens: 512 };
const body = {
  model: 'claude-sonnet-4-20250514',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'You are a weather bot.' }],
  tools: [{ name: 'get_weather', description: 'Get the weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
  messages: [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 't1', name: 'get_weather', input: { location: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: '21°C, sunny' }] }] },
  ],
};

describe('AnthropicAdapter', () => {
  it('estimates system, messages with tool blocks, tools (with the tool-use system prompt); output from max_tokens', () => {
    const e = new AnthropicAdapter().estimate('/v1/messages', body, ctx);
    expect(e).toMatchObject({ model: 'claude-sonnet-4-20250514', encoding: 'o200k_base', outputTokens: 1024, outputSource: 'request' });
    expect(e.inputTokens).toBeGreaterThan(346 + 30);
    expect(e.inputTokens).toBeLessThan(346 + 120);
  });

  it('images: a known size by the formula, an unknown one by the documented default', () => {
    const a = new AnthropicAdapter();
    const img = (source: object): object => ({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'image', source }] }] });
    const empty = a.estimate('/v1/messages', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [] }] }, ctx).inputTokens;
    expect(a.estimate('/v1/messages', img({ type: 'url', url: 'https://example.com/x.png' }) as never, ctx).inputTokens - empty).toBe(1600);
    // A 750×750 PNG header: 750·750/750 = 750 tokens.
    const png = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png, 0);
    png.writeUInt32BE(750, 16);
    png.writeUInt32BE(750, 20);
    const b64 = img({ type: 'base64', media_type: 'image/png', data: png.toString('base64') });
    expect(a.estimate('/v1/messages', b64 as never, ctx).inputTokens - empty).toBe(750);
  });

  it('learns a per-model calibration factor from actual/estimated ratios (EMA, clamped)', () => {
    const a = new AnthropicAdapter();
    const first = a.estimate('/v1/messages', body, ctx).inputTokens;
    expect(a.calibration.factor('claude-sonnet-4-20250514')).toBe(1);
    for (let i = 0; i < 60; i++) {
      const est = a.estimate('/v1/messages', body, ctx).inputTokens;
      a.observe('claude-sonnet-4-20250514', est, Math.round(first * 1.2));
    }
    expect(a.calibration.factor('claude-sonnet-4-20250514')).toBeCloseTo(1.2, 1);
    expect(a.estimate('/v1/messages', body, ctx).inputTokens).toBeCloseTo(first * 1.2, -1);
    expect(a.calibration.factor('claude-3-5-haiku-latest')).toBe(1);
    for (let i = 0; i < 100; i++) a.observe('m', 100, 100_000);
    expect(a.calibration.factor('m')).toBe(3);
    a.observe('m', 0, 10);
    expect(a.calibration.factor('m')).toBe(3);
  });

  it('usage from JSON, normalised: input includes cache creation and reads', () => {
    const json = { usage: { input_tokens: 50, cache_creation_input_tokens: 20, cache_read_input_tokens: 1000, output_tokens: 12 } };
    expect(new AnthropicAdapter().usageFromJson('/v1/messages', json)).toEqual({
      inputTokens: 1070,
      cachedInputTokens: 1000,
      cacheCreationInputTokens: 20,
      outputTokens: 12,
    });
    expect(new AnthropicAdapter().usageFromJson('/v1/messages', {})).toBeUndefined();
  });

  it('usage from JSON keeps the cache writes\' TTL split (1 h writes bill at 2× input, 5 min ones at 1.25×)', () => {
    // Shape from Anthropic's prompt-caching docs: cache_creation details cache_creation_input_tokens by TTL.
    const json = {
      usage: {
        input_tokens: 2048,
        cache_creation_input_tokens: 248,
        cache_read_input_tokens: 1800,
        cache_creation: { ephemeral_5m_input_tokens: 48, ephemeral_1h_input_tokens: 200 },
        output_tokens: 503,
      },
    };
    expect(new AnthropicAdapter().usageFromJson('/v1/messages', json)).toEqual({
      inputTokens: 4096,
      cachedInputTokens: 1800,
      cacheCreationInputTokens: 248,
      cacheCreation5mInputTokens: 48,
      cacheCreation1hInputTokens: 200,
      outputTokens: 503,
    });
  });

  it('output tokens from a JSON response without usage', () => {
    const json = { content: [{ type: 'text', text: 'Hello world' }] };
    expect(new AnthropicAdapter().outputTokensFromJson('/v1/messages', json, 'm')).toBe(2);
  });

  it.each([
    [429, 'rate_limit_error'],
    [400, 'invalid_request_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [502, 'api_error'],
    [504, 'api_error'],
    [503, 'overloaded_error'],
  ])('error %i → %s', (status, type) => {
    expect(JSON.parse(new AnthropicAdapter().errorBody({ status, code: 'c', message: 'm' }))).toEqual({ type: 'error', error: { type, message: 'm' } });
  });
});
