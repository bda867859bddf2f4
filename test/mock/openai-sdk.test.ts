import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/server.js';

let mock: MockProvider;
let client: OpenAI;
const messages = [{ role: 'user' as const, content: 'Say hello to the token ninja.' }];

beforeAll(async () => {
  mock = await startMockProvider({ now: () => 1_700_000_000_000 });
  client = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await mock.close();
});

async function rawPost(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('OpenAI chat completions', () => {
  it('answers JSON with realistic usage, pretty-printed in the API’s field order', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
    const completion = res.data;
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4o');
    expect(completion.created).toBe(1_700_000_000);
    expect(completion.id).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/);
    expect(completion.choices[0]?.message.content).toBe('Hello from the mock provider, one token at a time. Hello from the mock');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({
      prompt_tokens: 13,
      completion_tokens: 16,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(res.response.headers.get('x-request-id')).toMatch(/^req_/);
    const raw = await (await rawPost('/v1/chat/completions', { model: 'gpt-4o', messages })).text();
    expect(raw.startsWith('{\n  "id": "chatcmpl-')).toBe(true);
    expect(Object.keys(JSON.parse(raw) as object)).toEqual(['id', 'object', 'created', 'model', 'choices', 'usage', 'service_tier', 'system_fingerprint']);
  });

  it('reports cached and reasoning tokens and honours max_tokens', async () => {
    const completion = await client.chat.completions.create(
      { model: 'o3-mini', messages, max_completion_tokens: 10 },
      { headers: { 'x-mock-behaviour': 'cachedTokens=4,reasoningTokens=6' } },
    );
    expect(completion.usage?.completion_tokens).toBe(10);
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(6);
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(4);
    expect(completion.choices[0]?.message.content).toBe('Hello from the mock');
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('streams role, content and finish chunks, then usage when include_usage is set', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-mock-behaviour': 'chunks=4,outputTokens=8' } },
    );
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toHaveLength(1 + 4 + 1 + 1);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks.slice(1, 5).map((c) => c.choices[0]?.delta.content).join('')).toBe('Hello from the mock provider, one token');
    expect(chunks[5]?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks[6]?.choices).toEqual([]);
    expect(chunks[6]?.usage?.completion_tokens).toBe(8);
    expect(chunks[6]?.usage?.prompt_tokens).toBe(13);
    for (const chunk of chunks.slice(0, 6)) expect(chunk.usage).toBeNull();
  });

  it('frames SSE exactly like OpenAI: compact data lines, usage:null only with include_usage, [DONE] last', async () => {
    const withUsage = await (
      await rawPost('/v1/chat/completions', { messages, stream: true, stream_options: { include_usage: true } }, { 'x-mock-behaviour': 'chunks=2,outputTokens=2' })
    ).text();
    const events = withUsage.split('\n\n');
    expect(events.at(-1)).toBe('');
    expect(events.at(-2)).toBe('data: [DONE]');
    expect(events).toHaveLength(6 + 1);
    const payloads = events.slice(0, 5).map((e) => {
      expect(e.startsWith('data: {"id":"chatcmpl-')).toBe(true);
      return JSON.parse(e.slice(6)) as Record<string, unknown>;
    });
    expect(Object.keys(payloads[0] as object)).toEqual(['id', 'object', 'created', 'model', 'service_tier', 'system_fingerprint', 'choices', 'usage']);
    expect(payloads.slice(0, 4).every((p) => p.usage === null)).toBe(true);
    expect((payloads[4] as { usage: { total_tokens: number } }).usage.total_tokens).toBe(15);

    const without = await (await rawPost('/v1/chat/completions', { messages, stream: true }, { 'x-mock-behaviour': 'chunks=2,outputTokens=2' })).text();
    expect(without).not.toContain('"usage"');
    expect(without.split('\n\n')).toHaveLength(5 + 1);
  });

  it('gives identical replies for the same seed', async () => {
    const one = await (await rawPost('/v1/chat/completions', { messages }, { 'x-mock-behaviour': 'seed=s1' })).text();
    const two = await (await rawPost('/v1/chat/completions', { messages }, { 'x-mock-behaviour': 'seed=s1' })).text();
    const other = await (await rawPost('/v1/chat/completions', { messages }, { 'x-mock-behaviour': 'seed=s2' })).text();
    expect(two).toBe(one);
    expect(other).not.toBe(one);
  });
});

describe('other OpenAI routes', () => {
  it('legacy completions, JSON and stream', async () => {
    const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time', max_tokens: 5 });
    expect(completion.choices[0]?.text).toBe('Hello from the mock provider');
    expect(completion.usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    const stream = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'x', max_tokens: 5, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from the mock provider');
    expect(usage?.completion_tokens).toBe(5);
  });

  it('responses, JSON and stream ending in response.completed with usage', async () => {
    const response = await client.responses.create({ model: 'gpt-4o', input: 'Hello there', instructions: 'Be brief' });
    expect(response.output_text).toBe('Hello from the mock provider, one token at a time. Hello from the mock');
    expect(response.usage).toMatchObject({ input_tokens: 7, output_tokens: 16, total_tokens: 23, input_tokens_details: { cached_tokens: 0 } });

    const stream = await client.responses.create({ model: 'gpt-4o', input: 'Hello there', stream: true }, { headers: { 'x-mock-behaviour': 'outputTokens=3,chunks=3' } });
    const types: string[] = [];
    let deltas = '';
    let usage;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
      if (event.type === 'response.completed') usage = event.response.usage;
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(3);
    expect(deltas).toBe('Hello from the');
    expect(usage?.output_tokens).toBe(3);
  });

  it('embeddings, base64 (the SDK default) and float', async () => {
    const viaSdk = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two words'], dimensions: 8 });
    expect(viaSdk.data).toHaveLength(2);
    expect(viaSdk.data[0]?.embedding).toHaveLength(8);
    expect(viaSdk.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'one', encoding_format: 'float', dimensions: 8 });
    expect(floats.data[0]?.embedding).toHaveLength(8);
    expect(floats.data[0]?.embedding[0]).toBeCloseTo(viaSdk.data[0]?.embedding[0] ?? NaN, 6);
  });

  it('lists and retrieves models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');
    expect((await client.models.retrieve('gpt-4o')).id).toBe('gpt-4o');
    await expect(client.models.retrieve('nope')).rejects.toMatchObject({ status: 404 });
  });

  it('answers unknown routes and bad JSON in OpenAI’s error format', async () => {
    const notFound = await rawPost('/v1/nothing', {});
    expect(notFound.status).toBe(404);
    expect(JSON.parse(await notFound.text())).toEqual({ error: { message: 'Invalid URL (POST /v1/nothing)', type: 'invalid_request_error', param: null, code: null } });
    const bad = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const badHeader = await rawPost('/v1/chat/completions', { messages }, { 'x-mock-behaviour': 'chunks=many' });
    expect(badHeader.status).toBe(400);
    expect(await badHeader.text()).toContain('chunks: expected a non-negative integer');
  });
});

describe('recording', () => {
  it('records method, path, headers and body, bounded, and marks aborted requests', async () => {
    const small = await startMockProvider({ maxRecorded: 2, behaviour: { latencyMs: 5_000 } });
    try {
      const controller = new AbortController();
      const pending = fetch(`${small.url}/v1/chat/completions?x=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-custom': 'yes' },
        body: JSON.stringify({ messages }),
        signal: controller.signal,
      }).catch(() => undefined);
      for (let i = 0; i < 100 && small.requests[0]?.json === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      expect(small.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions?x=1', json: { messages }, aborted: false });
      expect(small.requests[0]?.headers['x-custom']).toBe('yes');
      controller.abort();
      await pending;
      for (let i = 0; i < 100 && small.requests[0]?.aborted !== true; i++) await new Promise((r) => setTimeout(r, 10));
      expect(small.requests[0]?.aborted).toBe(true);
      small.setBehaviour({ latencyMs: 0 });
      for (let i = 0; i < 3; i++) await fetch(`${small.url}/v1/models?i=${i}`).then((r) => r.text());
      expect(small.requests.map((r) => r.path)).toEqual(['/v1/models?i=1', '/v1/models?i=2']);
      small.clearRequests();
      expect(small.requests).toHaveLength(0);
    } finally {
      await small.close();
    }
  });
});
