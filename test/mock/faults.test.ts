import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/server.js';

let mock: MockProvider;
let openai: OpenAI;
let anthropic: Anthropic;
const messages = [{ role: 'user' as const, content: 'Hello' }];
const behave = (value: string) => ({ headers: { 'x-mock-behaviour': value } });

beforeAll(async () => {
  mock = await startMockProvider();
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 });
});
afterAll(async () => {
  await mock.close();
});

/** Raw HTTP, so headers and compressed bytes are seen as sent. */
function rawRequest(path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('error injection', () => {
  it('500 in each provider’s format', async () => {
    await expect(openai.chat.completions.create({ model: 'gpt-4o', messages }, behave('fault=500'))).rejects.toMatchObject({
      status: 500,
      error: { type: 'server_error', code: null },
    });
    await expect(anthropic.messages.create({ model: 'c', max_tokens: 5, messages }, behave('fault=500'))).rejects.toMatchObject({
      status: 500,
      error: { type: 'error', error: { type: 'api_error', message: 'Internal server error' } },
    });
    const overloaded = await rawRequest('/v1/messages', {}, { 'x-mock-behaviour': 'fault=529' });
    expect(overloaded.status).toBe(529);
    expect(JSON.parse(overloaded.body.toString())).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });

  it('429 with retry-after headers and the provider’s body; the SDKs back off and retry', async () => {
    const err = await openai.chat.completions.create({ model: 'gpt-4o', messages }, behave('fault=429,retryAfterSeconds=2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rate = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rate.headers.get('retry-after')).toBe('2');
    expect(rate.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(rate.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });

    const aErr = await anthropic.messages.create({ model: 'c', max_tokens: 5, messages }, behave('fault=429')).catch((e: unknown) => e);
    expect(aErr).toBeInstanceOf(Anthropic.RateLimitError);
    expect((aErr as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('1');
    expect((aErr as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });

    // Sub-second retry-after goes out as retry-after-ms too, which the SDK honours: one retry, then the same 429.
    mock.clearRequests();
    const retrying = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 1 });
    await expect(retrying.chat.completions.create({ model: 'gpt-4o', messages }, behave('fault=429,retryAfterSeconds=0.05'))).rejects.toMatchObject({ status: 429 });
    expect(mock.requests).toHaveLength(2);
  });

  it('slow: no reply within the client’s timeout', async () => {
    await expect(
      openai.chat.completions.create({ model: 'gpt-4o', messages }, { ...behave('fault=slow,slowMs=5000'), timeout: 100 }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    // A short slowMs then answers normally.
    const ok = await openai.chat.completions.create({ model: 'gpt-4o', messages }, behave('fault=slow,slowMs=20'));
    expect(ok.object).toBe('chat.completion');
  });

  it('reset: the stream breaks after K content chunks', async () => {
    const stream = await openai.chat.completions.create(
      { model: 'gpt-4o', messages, stream: true },
      behave('fault=reset,resetAfterChunks=2,chunks=5,outputTokens=10'),
    );
    const contents: string[] = [];
    const consume = async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) contents.push(chunk.choices[0].delta.content);
    };
    await expect(consume()).rejects.toThrow();
    expect(contents).toEqual(['Hello from', ' the mock']);

    const aStream = anthropic.messages.stream({ model: 'c', max_tokens: 50, messages }, behave('fault=reset,resetAfterChunks=1,chunks=3'));
    const texts: string[] = [];
    aStream.on('text', (t) => texts.push(t));
    await expect(aStream.finalMessage()).rejects.toThrow();
    expect(texts).toHaveLength(1);

    // Not streaming: half the body, then the connection closes.
    // Headers arrived, so the SDK fails while reading the body.
    await expect(openai.chat.completions.create({ model: 'gpt-4o', messages }, behave('fault=reset'))).rejects.toThrow(/terminated/);
  });

  it('stream_error: the provider’s in-stream error after K content chunks, then a clean end without the completion event', async () => {
    const aStream = anthropic.messages.stream({ model: 'c', max_tokens: 50, messages }, behave('fault=stream_error,resetAfterChunks=1,chunks=3'));
    const texts: string[] = [];
    aStream.on('text', (t) => texts.push(t));
    await expect(aStream.finalMessage()).rejects.toMatchObject({ error: { type: 'error', error: { type: 'overloaded_error' } } });
    expect(texts).toHaveLength(1);

    const last = (body: Buffer) => body.toString().split('\n\n').filter((e) => e !== '').at(-1);
    const behaviour = { 'x-mock-behaviour': 'fault=stream_error,resetAfterChunks=2,chunks=4' };
    const chat = await rawRequest('/v1/chat/completions', { messages, stream: true, stream_options: { include_usage: true } }, behaviour);
    expect(chat.status).toBe(200);
    expect(chat.body.toString().match(/"content":/g)).toHaveLength(3); // the role chunk's empty content and two deltas
    expect(JSON.parse(last(chat.body)?.slice('data: '.length) ?? '')).toMatchObject({ error: { type: 'server_error' } });
    expect(chat.body.toString()).not.toContain('[DONE]');

    const responses = await rawRequest('/v1/responses', { input: 'hi', stream: true }, behaviour);
    expect(last(responses.body)).toMatch(/^event: error\ndata: \{"type":"error","code":"server_error"/);
    expect(responses.body.toString()).not.toContain('response.completed');
  });

  it('garbage: a reply that is not HTTP', async () => {
    await expect(openai.chat.completions.create({ model: 'gpt-4o', messages }, behave('fault=garbage'))).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    await expect(anthropic.messages.create({ model: 'c', max_tokens: 5, messages }, behave('fault=garbage'))).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
  });

  it('malformed: a 200 whose JSON or SSE event cannot be parsed', async () => {
    const json = await rawRequest('/v1/chat/completions', { messages }, { 'x-mock-behaviour': 'fault=malformed' });
    expect(json.status).toBe(200);
    expect(() => JSON.parse(json.body.toString()) as unknown).toThrow();
    const sse = await rawRequest('/v1/chat/completions', { messages, stream: true }, { 'x-mock-behaviour': 'fault=malformed,chunks=2' });
    const events = sse.body.toString().split('\n\n').filter((e) => e !== '');
    const unparseable = events.filter((e) => {
      try {
        JSON.parse(e.slice('data: '.length));
        return false;
      } catch {
        return e !== 'data: [DONE]';
      }
    });
    expect(unparseable).toHaveLength(1);
    expect(events.at(-1)).toBe('data: [DONE]');
  });
});

describe('timing and compression', () => {
  it('waits latencyMs before headers and spaces events chunkMs apart', async () => {
    const started = Date.now();
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-mock-behaviour': 'latencyMs=80,chunkMs=40,chunks=3,outputTokens=3' },
      body: JSON.stringify({ messages, stream: true }),
    });
    // Lower bounds only: the mock must not be faster than asked.
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    const arrivals: number[] = [];
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (let i = 0; i < 20; i++) {
      const { done } = await reader.read();
      if (done) break;
      arrivals.push(Date.now());
    }
    // role, 3 content, finish, [DONE]: each read sees one event, 40 ms apart.
    expect(arrivals.length).toBeGreaterThanOrEqual(5);
    expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(5 * 40 - 15);
  });

  it('gzips for clients that accept it when the option is on, and the SDKs read it', async () => {
    const zipped = await rawRequest('/v1/chat/completions', { messages }, { 'accept-encoding': 'gzip', 'x-mock-behaviour': 'gzip=true' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(zipped.body).toString())).toMatchObject({ object: 'chat.completion' });
    const plain = await rawRequest('/v1/chat/completions', { messages }, { 'x-mock-behaviour': 'gzip=true' });
    expect(plain.headers['content-encoding']).toBeUndefined();

    mock.setBehaviour({ gzip: true });
    try {
      const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } });
      let usage;
      for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
      expect(usage?.completion_tokens).toBe(16);
      const message = await anthropic.messages.create({ model: 'c', max_tokens: 5, messages });
      expect(message.usage.output_tokens).toBe(5);
    } finally {
      mock.resetBehaviour();
    }
  });
});
