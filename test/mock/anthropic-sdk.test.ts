import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/server.js';

let mock: MockProvider;
let client: Anthropic;
const messages = [{ role: 'user' as const, content: 'Say hello to the token ninja.' }];

beforeAll(async () => {
  mock = await startMockProvider();
  client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 });
});
afterAll(async () => {
  await mock.close();
});

describe('Anthropic messages', () => {
  it('answers JSON with input, cache and output usage', async () => {
    const message = await client.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be brief.', messages },
      { headers: { 'x-mock-behaviour': 'cachedTokens=5,cacheCreationTokens=2' } },
    );
    expect(message.id).toMatch(/^msg_[A-Za-z0-9]{24}$/);
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from the mock provider, one token at a time. Hello from the mock' }]);
    expect(message.stop_reason).toBe('end_turn');
    // prompt = 3 priming + 3 + 7 ("Say hello to the token ninja.") + 3 ("Be brief.") = 16, of which 5 read and 2 written to cache
    expect(message.usage).toMatchObject({ input_tokens: 9, cache_read_input_tokens: 5, cache_creation_input_tokens: 2, output_tokens: 16 });
  });

  it('stops at max_tokens', async () => {
    const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 3, messages });
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(3);
  });

  it('streams the real event sequence; the SDK assembles the message and usage', async () => {
    const stream = client.messages.stream(
      { model: 'claude-sonnet-4-5', max_tokens: 100, messages },
      { headers: { 'x-mock-behaviour': 'chunks=3,outputTokens=6' } },
    );
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Hello from the mock provider,' });
    expect(final.usage).toMatchObject({ input_tokens: 13, output_tokens: 6 });
  });

  it('frames SSE with event: and data: lines, ping included, like the real API', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-behaviour': 'chunks=1,outputTokens=1' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, stream: true, messages }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const events = (await res.text()).split('\n\n');
    expect(events.at(-1)).toBe('');
    expect(events.slice(0, -1).map((e) => e.split('\n')[0])).toEqual([
      'event: message_start',
      'event: content_block_start',
      'event: ping',
      'event: content_block_delta',
      'event: content_block_stop',
      'event: message_delta',
      'event: message_stop',
    ]);
    expect(events[2]).toBe('event: ping\ndata: {"type": "ping"}');
    expect(events[3]).toBe('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}');
    expect(events[5]).toBe('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":1}}');
  });

  it('counts tokens', async () => {
    const count = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages });
    expect(count.input_tokens).toBe(13);
  });

  it('refuses a request without max_tokens like the API', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ messages }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
  });
});
