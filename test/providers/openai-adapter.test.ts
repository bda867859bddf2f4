import { describe, expect, it } from 'vitest';
import { OpenAIAdapter } from '../../src/providers/openai/adapter.js';
import { countText } from '../../src/tokens/encoding.js';

const a = new OpenAIAdapter();
const ctx = { agent: 'a', defaultOutputTokens: 512 };

describe('OpenAIAdapter.prepare', () => {
  it('injects include_usage into streaming chat and completions requests, keeping other stream_options', () => {
    const p = a.prepare('/v1/chat/completions', { model: 'gpt-4o', stream: true, stream_options: { include_obfuscation: false } });
    expect(p).toEqual({
      body: { model: 'gpt-4o', stream: true, stream_options: { include_obfuscation: false, include_usage: true } },
      injectedUsage: true,
      stream: true,
    });
    expect(a.prepare('/v1/completions', { model: 'x', stream: true }).injectedUsage).toBe(true);
  });
  it('leaves requests alone when the client asked for usage, did not stream, or used the Responses API', () => {
    const body = { model: 'gpt-4o', stream: true, stream_options: { include_usage: true } };
    expect(a.prepare('/v1/chat/completions', body)).toEqual({ body, injectedUsage: false, stream: true });
    expect(a.prepare('/v1/chat/completions', { model: 'gpt-4o' }).injectedUsage).toBe(false);
    expect(a.prepare('/v1/responses', { model: 'gpt-4o', stream: true }).injectedUsage).toBe(false);
  });
});

describe('OpenAIAdapter.estimate', () => {
  const messages = [{ role: 'user', content: 'Hello there' }];
  it('takes output from max_completion_tokens, then max_tokens, then recent, then default', () => {
    expect(a.estimate('/v1/chat/completions', { model: 'gpt-4o', messages, max_completion_tokens: 100, max_tokens: 5 }, ctx)).toMatchObject({
      outputTokens: 100,
      outputSource: 'request',
    });
    expect(a.estimate('/v1/chat/completions', { model: 'gpt-4o', messages, max_tokens: 5 }, ctx)).toMatchObject({ outputTokens: 5, outputSource: 'request' });
    expect(a.estimate('/v1/chat/completions', { model: 'gpt-4o', messages }, { ...ctx, recentOutputTokens: 77 })).toMatchObject({
      outputTokens: 77,
      outputSource: 'recent',
    });
    expect(a.estimate('/v1/chat/completions', { model: 'gpt-4o', messages }, ctx)).toMatchObject({ outputTokens: 512, outputSource: 'default' });
    expect(a.estimate('/v1/chat/completions', { model: 'gpt-4o', messages, max_tokens: 10, n: 3 }, ctx).outputTokens).toBe(30);
  });
  it('chat input: 3 per message + content + role + 3 priming', () => {
    const e = a.estimate('/v1/chat/completions', { model: 'gpt-4o', messages }, ctx);
    expect(e).toMatchObject({ model: 'gpt-4o', encoding: 'o200k_base' });
    expect(e.inputTokens).toBe(3 + countText('user', 'o200k_base') + countText('Hello there', 'o200k_base') + 3);
  });
  it('images: low detail 85, high detail by tiles, unknown size the documented default', () => {
    const img = (detail: string): unknown => ({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail } }] });
    const base = a.estimate('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: [] }] }, ctx).inputTokens;
    expect(a.estimate('/v1/chat/completions', { model: 'gpt-4o', messages: [img('low')] }, ctx).inputTokens - base).toBe(85);
    expect(a.estimate('/v1/chat/completions', { model: 'gpt-4o', messages: [img('high')] }, ctx).inputTokens - base).toBe(765);
  });
  it('response_format json_schema adds the schema', () => {
    const body = { model: 'gpt-4o', messages };
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const withFormat = a.estimate('/v1/chat/completions', { ...body, response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } } }, ctx);
    expect(withFormat.inputTokens - a.estimate('/v1/chat/completions', body, ctx).inputTokens).toBeGreaterThan(countText(JSON.stringify(schema), 'o200k_base'));
  });
  it('completions: prompt strings and token arrays, max_tokens', () => {
    expect(a.estimate('/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: ['hello world', [1, 2, 3]], max_tokens: 7 }, ctx)).toMatchObject({
      encoding: 'cl100k_base',
      inputTokens: 5,
      outputTokens: 7,
    });
  });
  it('embeddings: string, array, token arrays; zero output', () => {
    expect(a.estimate('/v1/embeddings', { model: 'text-embedding-3-small', input: 'hello world' }, ctx)).toMatchObject({ inputTokens: 2, outputTokens: 0 });
    expect(a.estimate('/v1/embeddings', { model: 'text-embedding-3-small', input: ['hello world', 'hello'] }, ctx).inputTokens).toBe(3);
    expect(a.estimate('/v1/embeddings', { model: 'text-embedding-3-small', input: [[1, 2], [3]] }, ctx).inputTokens).toBe(3);
    expect(a.estimate('/v1/embeddings', { model: 'text-embedding-3-small', input: [1, 2, 3, 4] }, ctx).inputTokens).toBe(4);
  });
  it('responses: instructions, string input or items, tools, max_output_tokens', () => {
    const s = a.estimate('/v1/responses', { model: 'gpt-4.1', input: 'Hello there', max_output_tokens: 50 }, ctx);
    const items = a.estimate('/v1/responses', { model: 'gpt-4.1', input: [{ role: 'user', content: 'Hello there' }], max_output_tokens: 50 }, ctx);
    expect(s.inputTokens).toBe(items.inputTokens);
    expect(s).toMatchObject({ outputTokens: 50, outputSource: 'request' });
    const withInstr = a.estimate('/v1/responses', { model: 'gpt-4.1', instructions: 'Be terse.', input: 'Hello there' }, ctx);
    expect(withInstr.inputTokens).toBeGreaterThan(s.inputTokens + 3);
    const tool = { type: 'function', name: 'get_weather', description: 'Get weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
    const withTools = a.estimate('/v1/responses', { model: 'gpt-4.1', input: 'Hello there', tools: [tool] }, ctx);
    expect(withTools.inputTokens).toBeGreaterThan(s.inputTokens + 12);
    const calls = a.estimate(
      '/v1/responses',
      {
        model: 'gpt-4.1',
        input: [
          { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call_output', call_id: 'c1', output: '{"temp":21}' },
        ],
      },
      ctx,
    );
    expect(calls.inputTokens).toBeGreaterThan(10);
  });
});

describe('OpenAIAdapter usage and output from JSON', () => {
  it('chat usage with cached and reasoning tokens', () => {
    const json = {
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920 },
        completion_tokens_details: { reasoning_tokens: 256 },
      },
    };
    expect(a.usageFromJson('/v1/chat/completions', json)).toEqual({ inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920, reasoningTokens: 256 });
  });
  it('responses usage names', () => {
    const json = { usage: { input_tokens: 328, input_tokens_details: { cached_tokens: 0 }, output_tokens: 52, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 380 } };
    expect(a.usageFromJson('/v1/responses', json)).toEqual({ inputTokens: 328, outputTokens: 52, cachedInputTokens: 0, reasoningTokens: 0 });
  });
  it('embeddings usage: no output', () => {
    expect(a.usageFromJson('/v1/embeddings', { usage: { prompt_tokens: 8, total_tokens: 8 } })).toEqual({ inputTokens: 8, outputTokens: 0 });
  });
  it('no usage, junk', () => {
    expect(a.usageFromJson('/v1/chat/completions', { id: 'x' })).toBeUndefined();
    expect(a.usageFromJson('/v1/chat/completions', 'nope')).toBeUndefined();
  });
  it('counts output text of a response without usage', () => {
    const json = { choices: [{ message: { role: 'assistant', content: 'Hello world', tool_calls: [{ function: { name: 'f', arguments: '{}' } }] } }] };
    expect(a.outputTokensFromJson('/v1/chat/completions', json, 'gpt-4')).toBe(2 + countText('f', 'cl100k_base') + countText('{}', 'cl100k_base'));
    expect(a.outputTokensFromJson('/v1/responses', { output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hello world' }] }] }, 'gpt-4o')).toBe(2);
  });
});

describe('OpenAIAdapter.errorBody', () => {
  it('429 budget refusal in OpenAI shape', () => {
    expect(JSON.parse(a.errorBody({ status: 429, code: 'token_budget_exceeded', message: 'over budget' }))).toEqual({
      error: { message: 'over budget', type: 'rate_limit_exceeded', param: null, code: 'token_budget_exceeded' },
    });
  });
  it.each([
    [400, 'invalid_request_error'],
    [404, 'invalid_request_error'],
    [413, 'invalid_request_error'],
    [502, 'server_error'],
    [503, 'server_error'],
    [504, 'server_error'],
  ])('%i → %s', (status, type) => {
    expect(JSON.parse(a.errorBody({ status, code: 'c', message: 'm' })).error.type).toBe(type);
  });
});
