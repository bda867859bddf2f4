import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

// A pool of 6,000 tokens per minute on a 1 s tick: 100 tokens per tick, refilled at 0.1 token/ms.
const TIGHT = { tokensPerMinute: 6000, reallocateSeconds: 1, queue: { maxWaitMs: 0, maxDepth: 100 } };

describe('over budget: 429s the official SDKs understand', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('answers 429 with retry-after, retry-after-ms, rate-limit headers and an OpenAI error body', async () => {
    stack = await startStack({ config: TIGHT, behaviour: { outputTokens: 40 } });
    const send = () =>
      request(`${stack!.app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'tight' },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 60, messages: [{ role: 'user', content: 'count to ten' }] }),
      });
    let refused;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      const r = await send();
      if (r.statusCode === 429) refused = r;
      else {
        expect(r.statusCode).toBe(200);
        expect(r.headers['x-ratelimit-limit-tokens']).toBeDefined();
        expect(r.headers['x-token-ninja-source']).toBe('allocation');
        await r.body.text();
      }
    }
    expect(refused, 'a tight budget must refuse within ten quick requests').toBeDefined();
    const body = (await refused!.body.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error.type).toBe('rate_limit_exceeded');
    expect(body.error.code).toBe('token_budget_exceeded');
    expect(body.error.message).toMatch(/token budget/);
    const ms = Number(refused!.headers['retry-after-ms']);
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(2000);
    expect(Number(refused!.headers['retry-after'])).toBe(Math.max(1, Math.ceil(ms / 1000)));
    expect(refused!.headers['x-ratelimit-remaining-tokens']).toBe('0');
    expect(refused!.headers['x-token-ninja-agent']).toBe('tight');
  });

  it('the openai client backs off on retry-after-ms and succeeds once the bucket refills', async () => {
    stack = await startStack({ config: TIGHT, behaviour: { outputTokens: 40 } });
    const client = new OpenAI({ baseURL: `${stack.app.url}/agents/retrier/v1`, apiKey: 'sk-test', maxRetries: 6 });
    for (let i = 0; i < 6; i++) {
      const r = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 60, messages: [{ role: 'user', content: 'count to ten' }] });
      expect(r.choices[0]?.message.content).toBeTruthy();
    }
    const lines = stack.logs.filter((l) => l.msg === 'request' && l.agent === 'retrier');
    const rejected = lines.filter((l) => l.outcome === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.status === 200)).toHaveLength(6);
  });

  it('the anthropic client backs off likewise', async () => {
    stack = await startStack({ config: TIGHT, behaviour: { outputTokens: 40 } });
    const client = new Anthropic({ baseURL: `${stack.app.url}/agents/claude-retrier`, apiKey: 'k', maxRetries: 6 });
    for (let i = 0; i < 6; i++) {
      const m = await client.messages.create({ model: 'claude-test-model', max_tokens: 60, messages: [{ role: 'user', content: 'count to ten' }] });
      expect(m.content.length).toBeGreaterThan(0);
    }
    const lines = stack.logs.filter((l) => l.msg === 'request' && l.agent === 'claude-retrier');
    expect(lines.filter((l) => l.outcome === 'rejected').length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.status === 200)).toHaveLength(6);
    const refusedBody = await request(`${stack.app.url}/agents/claude-retrier/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-ninja-priority': 'low' },
      body: JSON.stringify({ model: 'claude-test-model', max_tokens: 5000, messages: [{ role: 'user', content: 'x' }] }),
    });
    // Whether this one is refused depends on the refill; when it is, the body is Anthropic's shape.
    const text = await refusedBody.body.text();
    if (refusedBody.statusCode === 429) expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    else expect(refusedBody.statusCode).toBe(200);
  });

  it('observe mode blocks nothing and counts what it would have done', async () => {
    stack = await startStack({ config: { ...TIGHT, mode: 'observe' }, behaviour: { outputTokens: 40 } });
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        request(`${stack!.app.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'shadow' },
          body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 60, messages: [{ role: 'user', content: 'count to ten' }] }),
        }).then(async (r) => {
          await r.body.text();
          return r.statusCode;
        }),
      ),
    );
    expect(results.every((s) => s === 200)).toBe(true);
    const metrics = await (await request(`${stack.app.adminUrl}/metrics`)).body.text();
    const would = metrics.split('\n').filter((l) => l.startsWith('token_ninja_would_be_decisions_total{') && l.includes('agent="shadow"'));
    const total = would.reduce((s, l) => s + Number(l.split(' ').pop()), 0);
    expect(total).toBeGreaterThan(0);
    expect(stack.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('observe mode'))).toBe(true);
  });
});
