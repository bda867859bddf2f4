import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from './harness.js';
import { postJson } from './http.js';

/**
 * DESIGN §8, no open relay: beyond loopback, the company's provider key is spent only for callers with a key
 * from `apiKeys` (a virtual key, swapped for the configured one upstream); else 401 invalid_api_key, nothing
 * forwarded. Every proxy here binds 0.0.0.0 but is reached on 127.0.0.1 only.
 */

const COMPANY_OPENAI = 'sk-company-openai-0f0f';
const COMPANY_ANTHROPIC = 'sk-ant-company-1e1e';
const VIRTUAL = 'sk-virtual-planner-2d2d';
const UNMAPPED = 'sk-someone-else-3c3c';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
const messages = { model: 'claude-haiku-4-5', max_tokens: 32, messages: [{ role: 'user' as const, content: 'hi' }] };
const exposed = {
  host: '0.0.0.0',
  openaiApiKey: COMPANY_OPENAI,
  anthropicApiKey: COMPANY_ANTHROPIC,
  apiKeys: [{ sha256: sha256(VIRTUAL), agent: 'planner' }],
  logLevel: 'trace' as const,
};

function upstreamHeaders(stack: Stack): Record<string, unknown> {
  const last = stack.mock.requests[stack.mock.requests.length - 1];
  if (last === undefined) throw new Error('nothing reached the upstream');
  return last.headers as Record<string, unknown>;
}

function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe('beyond loopback with a company key', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: exposed });
  });
  afterAll(async () => stack.close());
  beforeEach(() => stack.mock.clearRequests());

  it('no key: 401 invalid_api_key (OpenAI SDK AuthenticationError), nothing forwarded', async () => {
    const res = await postJson(`${stack.app.url}/v1/chat/completions`, chat);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body.toString())).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    const models = await fetch(`${stack.app.url}/v1/models`);
    expect(models.status).toBe(401);
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('an unmapped key: 401 from both SDKs, on metered and pass-through routes', async () => {
    const openai = new OpenAI({ baseURL: `${stack.app.url}/v1`, apiKey: UNMAPPED, maxRetries: 0 });
    const err = await openai.chat.completions.create(chat).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    await expect(openai.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const anthropic = new Anthropic({ baseURL: stack.app.url, apiKey: UNMAPPED, maxRetries: 0 });
    const aerr = await anthropic.messages.create(messages).catch((e: unknown) => e);
    expect(aerr).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((aerr as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    await expect(anthropic.messages.countTokens(messages)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    expect(stack.mock.requests).toHaveLength(0);
    expect(stack.app.accountant.usage.partialUsage(Math.floor(Date.now() / 60_000)).size).toBe(0);
  });

  it('a mapped key: 200, and the provider sees the company key, never the virtual one', async () => {
    const openai = new OpenAI({ baseURL: `${stack.app.url}/v1`, apiKey: VIRTUAL, maxRetries: 0 });
    const { response } = await openai.chat.completions.create(chat).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-token-ninja-agent')).toBe('planner');
    expect(upstreamHeaders(stack).authorization).toBe(`Bearer ${COMPANY_OPENAI}`);
    await openai.models.list();
    expect(upstreamHeaders(stack).authorization).toBe(`Bearer ${COMPANY_OPENAI}`);
    const anthropic = new Anthropic({ baseURL: stack.app.url, apiKey: VIRTUAL, maxRetries: 0 });
    await anthropic.messages.create(messages);
    expect(upstreamHeaders(stack)['x-api-key']).toBe(COMPANY_ANTHROPIC);
    expect(upstreamHeaders(stack).authorization).toBeUndefined();
    // The virtual key sent in both headers at once: both are dropped.
    await postJson(`${stack.app.url}/v1/messages`, messages, { 'anthropic-version': '2023-06-01', 'x-api-key': VIRTUAL, authorization: `Bearer ${VIRTUAL}` });
    expect(upstreamHeaders(stack)).toMatchObject({ 'x-api-key': COMPANY_ANTHROPIC });
    expect(upstreamHeaders(stack).authorization).toBeUndefined();
    for (const r of stack.mock.requests) expect(JSON.stringify(r.headers)).not.toContain(VIRTUAL);
    expect(stack.rawLogs()).not.toContain(VIRTUAL);
    expect(stack.rawLogs()).not.toContain(COMPANY_OPENAI);
  });

  it('WebSocket upgrades follow the same rule', async () => {
    const wsUrl = `${stack.app.url.replace(/^http/, 'ws')}/v1/realtime`;
    expect(await upgradeStatus(wsUrl, {})).toBe(401);
    expect(await upgradeStatus(wsUrl, { authorization: `Bearer ${UNMAPPED}` })).toBe(401);
    expect(stack.mock.requests).toHaveLength(0);
    expect(await upgradeStatus(wsUrl, { authorization: `Bearer ${VIRTUAL}` })).toBe(101);
    expect(upstreamHeaders(stack).authorization).toBe(`Bearer ${COMPANY_OPENAI}`);
  });

  it('routes that forward nothing (task reports, estimates) need no key', async () => {
    const res = await postJson(`${stack.app.url}/token-ninja/v1/estimate`, { route: '/v1/chat/completions', body: chat });
    expect(res.status).toBe(200);
  });

  it('no startup warning about an open relay', () => {
    expect(stack.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('allowUnauthenticated'))).toBe(false);
  });
});

describe('beyond loopback, a provider without a company key', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { host: '0.0.0.0', anthropicApiKey: COMPANY_ANTHROPIC } });
  });
  afterAll(async () => stack.close());

  it('forwards the caller’s own key to that provider (nothing of the company’s is spent)', async () => {
    const openai = new OpenAI({ baseURL: `${stack.app.url}/v1`, apiKey: UNMAPPED, maxRetries: 0 });
    await openai.chat.completions.create(chat);
    expect(upstreamHeaders(stack).authorization).toBe(`Bearer ${UNMAPPED}`);
    const anthropic = new Anthropic({ baseURL: stack.app.url, apiKey: UNMAPPED, maxRetries: 0 });
    await expect(anthropic.messages.create(messages)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});

describe('allowUnauthenticated: true', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { ...exposed, allowUnauthenticated: true } });
  });
  afterAll(async () => stack.close());

  it('forwards with the company key and warned at startup', async () => {
    const warning = stack.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('allowUnauthenticated'));
    expect(warning?.level).toBe(40);
    const res = await postJson(`${stack.app.url}/v1/chat/completions`, chat);
    expect(res.status).toBe(200);
    expect(upstreamHeaders(stack).authorization).toBe(`Bearer ${COMPANY_OPENAI}`);
    expect(stack.rawLogs()).not.toContain(COMPANY_OPENAI);
  });
});

describe('on loopback (the sidecar) nothing changes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { ...exposed, host: '127.0.0.1' } });
  });
  afterAll(async () => stack.close());

  it('no key: the company key is injected; a client’s own key passes untouched; a virtual key is swapped', async () => {
    const none = await postJson(`${stack.app.url}/v1/chat/completions`, chat);
    expect(none.status).toBe(200);
    expect(upstreamHeaders(stack).authorization).toBe(`Bearer ${COMPANY_OPENAI}`);
    const anthropic = new Anthropic({ baseURL: stack.app.url, apiKey: UNMAPPED, maxRetries: 0 });
    await anthropic.messages.create(messages);
    // Whichever header this SDK version puts its key in arrives as sent.
    const own = upstreamHeaders(stack);
    expect(`${String(own.authorization)} ${String(own['x-api-key'])}`).toContain(UNMAPPED);
    expect(JSON.stringify(own)).not.toContain(COMPANY_ANTHROPIC);
    const openai = new OpenAI({ baseURL: `${stack.app.url}/v1`, apiKey: VIRTUAL, maxRetries: 0 });
    await openai.chat.completions.create(chat);
    expect(upstreamHeaders(stack).authorization).toBe(`Bearer ${COMPANY_OPENAI}`);
    expect(stack.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('allowUnauthenticated'))).toBe(false);
  });
});
