import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';
import { postJson, raw, sseEvents } from './http.js';

/**
 * What the client sees through the proxy equals what it would see going straight to the provider:
 * the same bytes (plain undici request) and the same objects (official SDKs), JSON and SSE, both formats,
 * with and without the /agents/{id} prefix.
 */
const FIXED_NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

let stack: Stack;
beforeAll(async () => {
  // rateLimitHeaders off: the proxy replaces x-ratelimit-* with its own, which is intended and not compared here.
  stack = await startStack({ mockNow: () => FIXED_NOW, behaviour: { rateLimitHeaders: false, chunks: 6, outputTokens: 12 } });
});
afterAll(async () => stack.close());

/** Base URLs of the three ways in: direct, proxy, proxy with agent prefix. */
function bases(): { name: string; root: string }[] {
  return [
    { name: 'direct', root: stack.mock.url },
    { name: 'proxy', root: stack.app.url },
    { name: 'proxy /agents/a1', root: `${stack.app.url}/agents/a1` },
  ];
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something about proxies.' }] };
const messages = { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Say something about proxies.' }] };

const RAW_CASES: Array<{ name: string; path: string; body: unknown; sse: boolean }> = [
  { name: 'chat json', path: '/v1/chat/completions', body: chat, sse: false },
  { name: 'chat stream without include_usage', path: '/v1/chat/completions', body: { ...chat, stream: true }, sse: true },
  { name: 'chat stream with include_usage', path: '/v1/chat/completions', body: { ...chat, stream: true, stream_options: { include_usage: true } }, sse: true },
  { name: 'chat stream with include_usage false', path: '/v1/chat/completions', body: { ...chat, stream: true, stream_options: { include_usage: false } }, sse: true },
  { name: 'completions stream', path: '/v1/completions', body: { model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon', stream: true }, sse: true },
  { name: 'responses json', path: '/v1/responses', body: { model: 'gpt-4o-mini', input: 'Say something.' }, sse: false },
  { name: 'responses stream', path: '/v1/responses', body: { model: 'gpt-4o-mini', input: 'Say something.', stream: true }, sse: true },
  { name: 'embeddings', path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'hello' }, sse: false },
  { name: 'anthropic json', path: '/v1/messages', body: messages, sse: false },
  { name: 'anthropic stream', path: '/v1/messages', body: { ...messages, stream: true }, sse: true },
];

describe('raw bytes equal going direct', () => {
  for (const c of RAW_CASES) {
    it(c.name, async () => {
      const replies = [];
      for (const b of bases()) replies.push({ name: b.name, reply: await postJson(b.root + c.path, c.body, { 'anthropic-version': '2023-06-01' }) });
      const [direct, ...proxied] = replies;
      if (direct === undefined) throw new Error('no direct reply');
      expect(direct.reply.status).toBe(200);
      expect(direct.reply.body.length).toBeGreaterThan(0);
      for (const p of proxied) {
        expect(p.reply.status, p.name).toBe(200);
        expect(p.reply.headers['content-type'], p.name).toBe(direct.reply.headers['content-type']);
        if (c.sse) expect(sseEvents(p.reply.body), p.name).toEqual(sseEvents(direct.reply.body));
        expect(p.reply.body.equals(direct.reply.body), `${p.name}: bytes differ`).toBe(true);
      }
    });
  }

  for (const fault of ['fault=500', 'fault=429', 'fault=503', 'fault=error,errorStatus=400']) {
    it(`provider errors pass through unchanged (${fault})`, async () => {
      for (const [path, body] of [
        ['/v1/chat/completions', { ...chat, stream: true }],
        ['/v1/messages', messages],
      ] as const) {
        const headers = { 'x-mock-behaviour': fault, 'anthropic-version': '2023-06-01' };
        const direct = await postJson(stack.mock.url + path, body, headers);
        for (const b of bases().slice(1)) {
          const proxied = await postJson(b.root + path, body, headers);
          expect(proxied.status, `${b.name} ${path}`).toBe(direct.status);
          // The mock's error request ids are random even with a seed; everything else must match.
          const norm = (x: Buffer) => x.toString().replace(/"req_[A-Za-z0-9]+"/g, '"req_"');
          expect(norm(proxied.body), `${b.name} ${path}`).toBe(norm(direct.body));
          expect(proxied.headers['retry-after']).toBe(direct.headers['retry-after']);
        }
      }
    });
  }

  it('a malformed reply from the provider reaches the client exactly as the provider sent it', async () => {
    const headers = { 'x-mock-behaviour': 'fault=malformed', 'anthropic-version': '2023-06-01' };
    for (const [path, body] of [
      ['/v1/chat/completions', chat],
      ['/v1/chat/completions', { ...chat, stream: true, stream_options: { include_usage: true } }],
      ['/v1/responses', { model: 'gpt-4o-mini', input: 'x', stream: true }],
      ['/v1/messages', { ...messages, stream: true }],
    ] as const) {
      const direct = await postJson(stack.mock.url + path, body, headers);
      const proxied = await postJson(`${stack.app.url}/agents/a1${path}`, body, headers);
      expect(proxied.status).toBe(direct.status);
      expect(proxied.body.toString(), `${path} ${JSON.stringify(body)}`).toBe(direct.body.toString());
    }
  });

  it('a malformed event in a chat stream whose usage the proxy asked for: the good events match, the bad one passes as it came', async () => {
    // The mock cuts its malformed event at half its length, and the proxied request's events are longer
    // ("usage":null), so the cut falls elsewhere: compare the well-formed events exactly, the cut one by shape.
    const headers = { 'x-mock-behaviour': 'fault=malformed' };
    const direct = sseEvents((await postJson(`${stack.mock.url}/v1/chat/completions`, { ...chat, stream: true }, headers)).body);
    const proxied = sseEvents((await postJson(`${stack.app.url}/v1/chat/completions`, { ...chat, stream: true }, headers)).body);
    expect(proxied).toHaveLength(direct.length);
    const parses = (event: string) => {
      try {
        JSON.parse(event.slice('data: '.length));
        return true;
      } catch {
        return false;
      }
    };
    direct.forEach((event, i) => {
      if (parses(event) || event === 'data: [DONE]\n\n') expect(proxied[i]).toBe(event);
      else expect(parses(proxied[i] ?? '')).toBe(false);
    });
    expect(proxied.join('')).not.toContain('"usage":{');
  });

  it('the query string reaches the provider as sent', async () => {
    stack.mock.clearRequests();
    const r = await postJson(`${stack.app.url}/agents/a1/v1/chat/completions?api-version=2024-10-21&x=%20y`, chat);
    expect(r.status).toBe(200);
    expect(stack.mock.requests[0]?.path).toBe('/v1/chat/completions?api-version=2024-10-21&x=%20y');
  });

  it('the proxy asks the provider for usage on a chat stream the client did not, and strips it again', async () => {
    stack.mock.clearRequests();
    const direct = await postJson(`${stack.mock.url}/v1/chat/completions`, { ...chat, stream: true });
    const proxied = await postJson(`${stack.app.url}/v1/chat/completions`, { ...chat, stream: true });
    const [toDirect, toProxy] = stack.mock.requests;
    expect((toDirect?.json as { stream_options?: unknown }).stream_options).toBeUndefined();
    expect((toProxy?.json as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    const text = proxied.body.toString('utf8');
    expect(text).not.toContain('"usage"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(proxied.body.equals(direct.body)).toBe(true);
  });

  it('the request body reaches the provider as the client wrote it, only the usage opt-in appended', async () => {
    stack.mock.clearRequests();
    // An int64 seed past 2^53, escapes, 1.0 and pretty-printing: all survive byte for byte.
    const sent = '{\n  "model": "gpt-4o-mini",\n  "seed": 12345678901234567890,\n  "temperature": 1.0,\n  "stream": true,\n  "messages": [{"role": "user", "content": "caf\\u00e9"}]\n}\n';
    const r = await raw(`${stack.app.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: sent });
    expect(r.status).toBe(200);
    expect(stack.mock.requests[0]?.body).toBe(`${sent.trimEnd().slice(0, -1)},"stream_options":{"include_usage":true}}`);
    // Non-streaming and Anthropic bodies are not touched at all.
    const plain = '{"model":"gpt-4o-mini", "seed": 12345678901234567890, "messages":[]}';
    await raw(`${stack.app.url}/v1/chat/completions`, { method: 'POST', body: plain });
    expect(stack.mock.requests[1]?.body).toBe(plain);
    const anthropic = '{"model":"claude-haiku-4-5","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}] }';
    await raw(`${stack.app.url}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: anthropic });
    expect(stack.mock.requests[2]?.body).toBe(anthropic);
  });

  it('a gzip-speaking provider: the client still reads the same body', async () => {
    const body = { ...chat, stream: true };
    const headers = { 'x-mock-behaviour': 'gzip=true', 'accept-encoding': 'gzip' };
    const direct = await fetch(`${stack.mock.url}/v1/chat/completions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const proxied = await fetch(`${stack.app.url}/v1/chat/completions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(direct.headers.get('content-encoding')).toBe('gzip');
    expect(await proxied.text()).toBe(await direct.text());
    const json = { ...chat };
    const dj = await fetch(`${stack.mock.url}/v1/chat/completions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(json) });
    const pj = await fetch(`${stack.app.url}/v1/chat/completions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(json) });
    expect(pj.status).toBe(200);
    expect(await pj.text()).toBe(await dj.text());
  });
});

function openaiClients(): { name: string; client: OpenAI }[] {
  return bases().map((b) => ({ name: b.name, client: new OpenAI({ baseURL: `${b.root}/v1`, apiKey: 'sk-test', maxRetries: 0 }) }));
}

function anthropicClients(): { name: string; client: Anthropic }[] {
  return bases().map((b) => ({ name: b.name, client: new Anthropic({ baseURL: b.root, apiKey: 'sk-ant-test', maxRetries: 0 }) }));
}

/** Runs `fn` with each client and expects every result to deep-equal the direct one. */
async function sameEverywhere<C>(clients: { name: string; client: C }[], fn: (client: C) => Promise<unknown>): Promise<unknown> {
  const results: { name: string; value: unknown }[] = [];
  for (const c of clients) results.push({ name: c.name, value: await fn(c.client) });
  const direct = results[0]?.value;
  for (const r of results.slice(1)) expect(r.value, r.name).toEqual(direct);
  return direct;
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

describe('official SDKs parse the same objects', () => {
  it('openai chat, non-streaming', async () => {
    const r = (await sameEverywhere(openaiClients(), (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))) as OpenAI.ChatCompletion;
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('openai chat stream without include_usage', async () => {
    const chunks = (await sameEverywhere(openaiClients(), async (c) =>
      collect(await c.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })),
    )) as OpenAI.ChatCompletionChunk[];
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('openai chat stream with include_usage', async () => {
    const chunks = (await sameEverywhere(openaiClients(), async (c) =>
      collect(
        await c.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
      ),
    )) as OpenAI.ChatCompletionChunk[];
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('openai responses, streaming and not', async () => {
    const events = (await sameEverywhere(openaiClients(), async (c) =>
      collect(await c.responses.create({ model: 'gpt-4o-mini', input: 'hi', stream: true })),
    )) as OpenAI.Responses.ResponseStreamEvent[];
    expect(events[events.length - 1]?.type).toBe('response.completed');
    await sameEverywhere(openaiClients(), (c) => c.responses.create({ model: 'gpt-4o-mini', input: 'hi' }));
  });

  it('anthropic messages, non-streaming', async () => {
    const m = (await sameEverywhere(anthropicClients(), (c) =>
      c.messages.create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    )) as Anthropic.Message;
    expect(m.usage.input_tokens).toBeGreaterThan(0);
  });

  it('anthropic messages, streaming (raw events and the accumulated message)', async () => {
    const events = (await sameEverywhere(anthropicClients(), async (c) =>
      collect(await c.messages.create({ model: 'claude-haiku-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] })),
    )) as Anthropic.RawMessageStreamEvent[];
    expect(events[0]?.type).toBe('message_start');
    expect(events[events.length - 1]?.type).toBe('message_stop');
    await sameEverywhere(anthropicClients(), (c) =>
      c.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage(),
    );
  });
});

describe('an upstream that compresses even when asked not to', () => {
  // A provider (or a CDN in front of one) may ignore accept-encoding: identity. The client must still read
  // exactly what the provider meant, and the meter must still read the usage.
  const sse =
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}\n\n' +
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n' +
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}\n\n' +
    'data: [DONE]\n\n';
  const expectedSse =
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n' +
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
    'data: [DONE]\n\n';
  const jsonBody = JSON.stringify({ id: 'c2', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } });
  let own: Stack;
  let upstream: Server;
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const streaming = (JSON.parse(body) as { stream?: boolean }).stream === true;
        res.writeHead(200, { 'content-type': streaming ? 'text/event-stream' : 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(streaming ? sse : jsonBody));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    own = await startStack({ config: { openaiUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` } });
  });
  afterAll(async () => {
    await own.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('SSE arrives decoded, usage chunk stripped, usage metered', async () => {
    const r = await postJson(`${own.app.url}/v1/chat/completions`, { ...chat, stream: true });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.toString()).toBe(expectedSse);
    const line = own.logs.filter((l) => l.msg === 'request').pop() as { tokens?: { input: number; output: number; source: string } };
    expect(line.tokens).toMatchObject({ input: 9, output: 1, source: 'provider' });
  });

  it('JSON arrives as the provider sent it (compressed, labelled so), usage metered', async () => {
    const r = await postJson(`${own.app.url}/v1/chat/completions`, chat);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(r.body).toString()).toBe(jsonBody);
    const line = own.logs.filter((l) => l.msg === 'request').pop() as { tokens?: { input: number; output: number; source: string } };
    expect(line.tokens).toMatchObject({ input: 9, output: 3, source: 'provider' });
  });
});
