import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';
import { json, postJson, raw, type RawReply } from './http.js';
import { eventually, freePort } from './ports.js';
import { rawExchange, statusOf } from './raw-socket.js';

/** Bad input and upstream failures: each gets the DESIGN §3 status in the provider's error shape, and nothing crashes. */

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
const messages = { model: 'claude-haiku-4-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] };
const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

function expectOpenAIError(reply: RawReply, status: number, code: string): void {
  expect(reply.status, reply.body.toString()).toBe(status);
  expect(reply.headers['content-type']).toContain('application/json');
  const body = json(reply) as { error: { message: unknown; type: unknown; code: unknown } };
  expect(typeof body.error.message).toBe('string');
  expect(typeof body.error.type).toBe('string');
  expect(body.error.code).toBe(code);
  expect(Object.keys(body)).toEqual(['error']);
}

function expectAnthropicError(reply: RawReply, status: number, type: string): void {
  expect(reply.status, reply.body.toString()).toBe(status);
  expect(reply.headers['content-type']).toContain('application/json');
  const body = json(reply) as { type: unknown; error: { type: unknown; message: unknown } };
  expect(body.type).toBe('error');
  expect(body.error.type).toBe(type);
  expect(typeof body.error.message).toBe('string');
}

/** Reads a streamed reply to its end; resolves to the bytes read and whether the connection was cut. */
async function readUntilEnd(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; text: string; cut: boolean }> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...ANTHROPIC, ...headers }, body: JSON.stringify(body) });
  let text = '';
  try {
    for await (const chunk of res.body) text += (chunk as Buffer).toString('utf8');
    return { status: res.statusCode, text, cut: false };
  } catch {
    return { status: res.statusCode, text, cut: true };
  }
}

describe('upstream unreachable', () => {
  let stack: Stack;
  beforeAll(async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    stack = await startStack({ config: { openaiUrl: closed, anthropicUrl: closed } });
  });
  afterAll(async () => stack.close());

  it('502 in OpenAI shape on an OpenAI route, metered and pass-through', async () => {
    expectOpenAIError(await postJson(`${stack.app.url}/v1/chat/completions`, chat), 502, 'upstream_unreachable');
    expectOpenAIError(await raw(`${stack.app.url}/v1/models`), 502, 'upstream_unreachable');
  });

  it('502 in Anthropic shape on /v1/messages', async () => {
    expectAnthropicError(await postJson(`${stack.app.url}/v1/messages`, messages, ANTHROPIC), 502, 'api_error');
  });
});

describe('against the mock', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { upstreamTimeoutMs: 400, maxBodyBytes: 4096 } });
  });
  afterAll(async () => stack.close());

  it('upstream timeout → 504 in the provider shape', async () => {
    const slow = { 'x-mock-behaviour': 'fault=slow,slowMs=3000' };
    const t0 = Date.now();
    expectOpenAIError(await postJson(`${stack.app.url}/v1/chat/completions`, chat, slow), 504, 'upstream_timeout');
    expectAnthropicError(await postJson(`${stack.app.url}/v1/messages`, messages, { ...ANTHROPIC, ...slow }), 504, 'api_error');
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('a stream that stalls past the timeout after its headers is cut', async () => {
    const r = await readUntilEnd(`${stack.app.url}/v1/chat/completions`, { ...chat, stream: true }, { 'x-mock-behaviour': 'chunkMs=1500,chunks=3' });
    expect(r.status).toBe(200);
    expect(r.cut).toBe(true);
    expect(r.text).not.toContain('[DONE]');
  });

  it('garbage from the upstream → 502', async () => {
    expectOpenAIError(await postJson(`${stack.app.url}/v1/chat/completions`, chat, { 'x-mock-behaviour': 'fault=garbage' }), 502, 'upstream_unreachable');
  });

  it('a reset mid-stream cuts the client connection, both formats', async () => {
    const reset = { 'x-mock-behaviour': 'fault=reset,resetAfterChunks=2' };
    const o = await readUntilEnd(`${stack.app.url}/v1/chat/completions`, { ...chat, stream: true }, reset);
    expect(o.status).toBe(200);
    expect(o.cut).toBe(true);
    expect(o.text).toContain('data: {');
    expect(o.text).not.toContain('[DONE]');
    const a = await readUntilEnd(`${stack.app.url}/v1/messages`, { ...messages, stream: true }, reset);
    expect(a.cut).toBe(true);
    expect(a.text).toContain('event: message_start');
    expect(a.text).not.toContain('message_stop');
  });

  it('a reset mid-body of a JSON reply cuts the client connection', async () => {
    const r = await readUntilEnd(`${stack.app.url}/v1/chat/completions`, chat, { 'x-mock-behaviour': 'fault=reset' });
    expect(r.cut).toBe(true);
  });

  it('malformed JSON on a metered route → 400 in the provider shape, not forwarded', async () => {
    stack.mock.clearRequests();
    const o = await raw(`${stack.app.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": "gpt-4o-mini", ' });
    expectOpenAIError(o, 400, 'invalid_json');
    const a = await raw(`${stack.app.url}/agents/a1/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...ANTHROPIC }, body: 'not json' });
    expectAnthropicError(a, 400, 'invalid_request_error');
    const arr = await raw(`${stack.app.url}/v1/embeddings`, { method: 'POST', body: '[1,2]' });
    expectOpenAIError(arr, 400, 'invalid_json');
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('a body over maxBodyBytes → 413, declared or chunked, metered or not, never forwarded', async () => {
    stack.mock.clearRequests();
    const big = JSON.stringify({ ...chat, messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    expectOpenAIError(await raw(`${stack.app.url}/v1/chat/completions`, { method: 'POST', body: big }), 413, 'body_too_large');
    expectAnthropicError(await raw(`${stack.app.url}/v1/messages`, { method: 'POST', headers: ANTHROPIC, body: big }), 413, 'request_too_large');
    expectOpenAIError(await raw(`${stack.app.url}/v1/files`, { method: 'POST', body: big }), 413, 'body_too_large');
    // Chunked: no content-length, the limit is found while reading.
    const chunked = await request(`${stack.app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.from(
        (function* () {
          for (let i = 0; i < 10; i++) yield Buffer.from('x'.repeat(1000));
        })(),
      ),
    });
    expect(chunked.statusCode).toBe(413);
    await chunked.body.text().catch(() => '');
    expect(stack.mock.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('a path outside /v1/, /agents/ and /token-ninja/ → 404', async () => {
    for (const path of ['/', '/admin', '/metrics', '/v2/chat/completions', '/agents/a1/admin']) {
      const r = await raw(`${stack.app.url}${path}`);
      expect(r.status, path).toBe(404);
    }
    expectOpenAIError(await raw(`${stack.app.url}/nope`, { method: 'POST', body: '{}' }), 404, 'not_found');
  });

  it('invalid agent ids → 400, in the header and in the path', async () => {
    stack.mock.clearRequests();
    for (const bad of ['has space', 'x'.repeat(65), 'semi;colon', 'ünï']) {
      const h = await postJson(`${stack.app.url}/v1/chat/completions`, chat, { 'x-token-ninja-agent': encodeURIComponent(bad) === bad ? bad : bad.replace(/[^\x20-\x7e]/g, '?') });
      expectOpenAIError(h, 400, 'invalid_agent');
      const p = await postJson(`${stack.app.url}/agents/${encodeURIComponent(bad)}/v1/chat/completions`, chat);
      expectOpenAIError(p, 400, 'invalid_agent');
    }
    expectAnthropicError(await postJson(`${stack.app.url}/agents/a%2Fb/v1/messages`, messages, ANTHROPIC), 400, 'invalid_request_error');
    expectOpenAIError(await postJson(`${stack.app.url}/agents//v1/chat/completions`, chat), 400, 'invalid_agent');
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('bad hint headers → 400 naming the header', async () => {
    const cases: Array<[string, string]> = [
      ['x-token-ninja-priority', 'urgent'],
      ['x-token-ninja-deadline', 'tomorrow'],
      ['x-token-ninja-deadline', '2026-13-45'],
      ['x-token-ninja-blocking', '-1'],
      ['x-token-ninja-blocking', 'many'],
      ['x-token-ninja-task', 'x'.repeat(129)],
      ['x-token-ninja-task', 'has space'],
      ['x-token-ninja-task-type', 'has space'],
    ];
    stack.mock.clearRequests();
    for (const [name, value] of cases) {
      const r = await postJson(`${stack.app.url}/v1/chat/completions`, chat, { [name]: value });
      expectOpenAIError(r, 400, 'invalid_header');
      expect((json(r) as { error: { message: string } }).error.message).toContain(name);
    }
    expect(stack.mock.requests).toHaveLength(0);
    // And good ones pass.
    const ok = await postJson(`${stack.app.url}/v1/chat/completions`, chat, {
      'x-token-ninja-priority': 'high',
      'x-token-ninja-deadline': '30',
      'x-token-ninja-blocking': '2',
      'x-token-ninja-task': 'task-1',
    });
    expect(ok.status).toBe(200);
  });

  it('a bad task outcome body → 400 invalid_body naming the field; good ones → 202', async () => {
    const url = `${stack.app.url}/token-ninja/v1/tasks`;
    const agent = { 'x-token-ninja-agent': 'a1' };
    const bad: Array<[unknown, string]> = [
      [{ completed: true }, 'task'],
      [{ task: '', completed: true }, 'task'],
      [{ task: 'x'.repeat(300), completed: true }, 'task'],
      [{ task: 't', completed: 'yes' }, 'completed'],
      [{ task: 't', completed: true, quality: 1.5 }, 'quality'],
      [{ task: 't', completed: true, quality: null }, 'quality'],
      [{ task: 't', completed: true, extra: 1 }, 'extra'],
    ];
    for (const [body, field] of bad) {
      const r = await postJson(url, body, agent);
      expectOpenAIError(r, 400, 'invalid_body');
      expect((json(r) as { error: { message: string } }).error.message, JSON.stringify(body)).toContain(field);
    }
    expect((await postJson(url, { task: 'x'.repeat(256), completed: true }, agent)).status).toBe(202);
    const ok = await postJson(url, { task: 't-1', completed: false, quality: 0.5 }, agent);
    expect(ok.status).toBe(202);
    expect(json(ok)).toEqual({ accepted: true, agent: 'a1', task: 't-1', duplicate: false });
  });

  it('a client that disconnects mid-stream aborts the upstream request at once', async () => {
    stack.mock.clearRequests();
    const res = await request(`${stack.app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-behaviour': 'chunkMs=100,chunks=30,outputTokens=30' },
      body: JSON.stringify({ ...chat, stream: true }),
    });
    expect(res.statusCode).toBe(200);
    for await (const _chunk of res.body) break; // leaving the loop destroys the body and the connection
    expect(await eventually(() => stack.mock.requests[0]?.aborted === true, 2000)).toBe(true);
    expect(await eventually(() => stack.logs.some((l) => l.msg === 'request' && l.outcome === 'client_closed'), 2000)).toBe(true);
  });

  it('a client that disconnects while the upstream has not answered yet aborts it too', async () => {
    stack.mock.clearRequests();
    const controller = new AbortController();
    const pending = request(`${stack.app.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ANTHROPIC, 'x-mock-behaviour': 'latencyMs=350' },
      body: JSON.stringify(messages),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    expect(await eventually(() => stack.mock.requests.length === 1, 2000)).toBe(true);
    controller.abort();
    await pending;
    expect(await eventually(() => stack.mock.requests[0]?.aborted === true, 2000)).toBe(true);
  });

  it('conflicting framing (content-length and chunked) is refused, not forwarded', async () => {
    stack.mock.clearRequests();
    const reply = await rawExchange(
      Number(new URL(stack.app.url).port),
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(statusOf(reply)).toBe(400);
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('a client that goes away halfway through its upload: nothing forwarded, nothing crashes', async () => {
    stack.mock.clearRequests();
    const socket = connect(Number(new URL(stack.app.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":"gpt-4o-mini",');
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    expect(await eventually(() => stack.logs.some((l) => l.msg === 'request' && l.outcome === 'client_closed' && l.route === '/v1/chat/completions'), 2000)).toBe(true);
    expect(stack.mock.requests).toHaveLength(0);
    expect((await postJson(`${stack.app.url}/v1/chat/completions`, chat)).status).toBe(200);
  });

  it('garbage on the socket does not take the proxy down, and it keeps serving', async () => {
    const socket = connect(Number(new URL(stack.app.url).port), '127.0.0.1');
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('close', () => resolve(got));
      socket.on('error', () => resolve(got));
      socket.write('\x00\x01 NOT HTTP\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    const ok = await postJson(`${stack.app.url}/agents/after/v1/chat/completions`, chat);
    expect(ok.status).toBe(200);
    const okA = await postJson(`${stack.app.url}/v1/messages`, messages, ANTHROPIC);
    expect(okA.status).toBe(200);
  });
});

describe('requireAgent: true', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { requireAgent: true } });
  });
  afterAll(async () => stack.close());

  it('no agent → 400 in the provider shape; header or path → served', async () => {
    expectOpenAIError(await postJson(`${stack.app.url}/v1/chat/completions`, chat), 400, 'agent_required');
    expectAnthropicError(await postJson(`${stack.app.url}/v1/messages`, messages, ANTHROPIC), 400, 'invalid_request_error');
    expect(stack.mock.requests).toHaveLength(0);
    expect((await postJson(`${stack.app.url}/v1/chat/completions`, chat, { 'x-token-ninja-agent': 'a1' })).status).toBe(200);
    expect((await postJson(`${stack.app.url}/agents/a1/v1/messages`, messages, ANTHROPIC)).status).toBe(200);
  });
});
