import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';
import { reportedChatUsage } from './mock-usage.js';
import { eventually } from './ports.js';

/** The token record of one request's log line (README "Logs"). */
interface Tokens {
  estimatedInput: number;
  estimatedOutput: number;
  input: number;
  output: number;
  charged: number;
  source: 'provider' | 'estimated';
}

const UPSTREAM_TIMEOUT_MS = 400;

/**
 * What a request is charged on each path the README's "How it works" names, per request, against the mock
 * provider's own record of what it received and reported — not against the proxy's other records.
 */
describe('what a request is charged, path by path', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      config: { upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS, reallocateSeconds: 3600, logLevel: 'info' },
      behaviour: { outputTokens: 40, chunks: 8 },
    });
    // Named by a table with room to spare (an hour-long tick keeps it in force), so no budget decision interferes.
    stack.app.admission.applyAllocations({ allocations: Object.fromEntries(['complete', 'server-error', 'client-error', 'timeout', 'cut', 'unreadable'].map((a) => [a, 1e12])) });
  });
  afterAll(async () => stack.close());

  async function send(agent: string, content: string, behaviour: string, stream = false): Promise<{ status: number; body: string }> {
    const res = await request(`${stack.app.url}/agents/${agent}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-behaviour': behaviour },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 40, stream, messages: [{ role: 'user', content }] }),
    });
    const body = await res.body.text().catch(() => '');
    return { status: res.statusCode, body };
  }

  async function tokensOf(agent: string): Promise<Tokens> {
    const line = () => stack.logs.find((l) => l.msg === 'request' && l.agent === agent && l.route === '/v1/chat/completions' && l.tokens !== undefined && (l.tokens as Tokens).estimatedOutput === 40);
    expect(await eventually(() => line() !== undefined, 5000)).toBe(true);
    return line()!.tokens as Tokens;
  }

  const received = (content: string) => stack.mock.requests.find((r) => r.body.includes(content));

  it('a complete reply: what the provider reported, source provider', async () => {
    expect((await send('complete', 'a full answer', 'fault=none')).status).toBe(200);
    const usage = reportedChatUsage(stack.mock, received('a full answer')!);
    expect(usage).toBeDefined();
    const t = await tokensOf('complete');
    expect(t).toMatchObject({ input: usage!.input, output: usage!.output, charged: usage!.input + usage!.output, source: 'provider' });
  });

  it('a provider 5xx and a provider 4xx: nothing (providers do not bill errors)', async () => {
    expect((await send('server-error', 'five hundred', 'fault=error,errorStatus=503')).status).toBe(503);
    expect((await send('client-error', 'four hundred', 'fault=error,errorStatus=400')).status).toBe(400);
    expect(received('five hundred')).toBeDefined();
    expect(received('four hundred')).toBeDefined();
    expect(await tokensOf('server-error')).toMatchObject({ charged: 0, source: 'estimated' });
    expect(await tokensOf('client-error')).toMatchObject({ charged: 0, source: 'estimated' });
  });

  it('no reply within the upstream timeout: its input estimate, 504', async () => {
    const { status } = await send('timeout', 'too slow', `fault=slow,slowMs=${UPSTREAM_TIMEOUT_MS * 10}`);
    expect(status).toBe(504);
    expect(received('too slow')).toBeDefined();
    const t = await tokensOf('timeout');
    expect(t).toMatchObject({ input: t.estimatedInput, output: 0, charged: t.estimatedInput, source: 'estimated' });
  });

  it('a stream cut by the provider: the input estimate plus the output already streamed', async () => {
    await send('cut', 'cut me short', 'fault=reset,resetAfterChunks=3', true);
    expect(received('cut me short')).toBeDefined();
    const t = await tokensOf('cut');
    expect(t.source).toBe('estimated');
    expect(t.input).toBe(t.estimatedInput);
    // Some output was streamed before the cut, less than the whole answer.
    expect(t.output).toBeGreaterThan(0);
    expect(t.output).toBeLessThan(40);
    expect(t.charged).toBe(t.estimatedInput + t.output);
  });

  it('a JSON reply the meter cannot read: the input estimate, source estimated', async () => {
    const { status } = await send('unreadable', 'garbled', 'fault=malformed');
    expect(status).toBe(200);
    const t = await tokensOf('unreadable');
    expect(t).toMatchObject({ input: t.estimatedInput, output: 0, charged: t.estimatedInput, source: 'estimated' });
  });
});
