import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameAgents, startStack, type Stack } from './harness.js';
import { eventually } from './ports.js';

describe('priority under contention', () => {
  let stack: Stack;
  beforeAll(async () => {
    // 100 tokens per 1 s tick for the one agent; nothing left over for a burst buffer.
    stack = await startStack({
      config: {
        tokensPerMinute: 6000,
        reallocateSeconds: 1,
        baseline: { tokensPerMinute: 6000 },
        burst: { minPriority: 'critical', minFraction: 0, maxFraction: 0 },
        queue: { maxWaitMs: 10_000, maxDepth: 100 },
        logLevel: 'warn',
      },
      behaviour: { outputTokens: 60 },
    });
    await nameAgents(stack.app, ['busy']);
  });
  afterAll(async () => stack.close());

  const send = (priority: string) =>
    request(`${stack.app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'busy', 'x-token-ninja-priority': priority },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 60, messages: [{ role: 'user', content: 'go' }] }),
    }).then(async (r) => {
      await r.body.text();
      return { status: r.statusCode, queuedMs: Number(r.headers['x-token-ninja-queued-ms'] ?? 0), at: Date.now() };
    });

  it('a critical request queued after low ones is served before them', async () => {
    // Drain the bucket into debt first.
    await Promise.all([send('normal'), send('normal'), send('normal')]);
    const lows = [send('low'), send('low'), send('low')];
    // The critical request goes only once all three lows are really waiting in the queue.
    expect(await eventually(() => stack.app.admission.queueDepth === lows.length, 5000)).toBe(true);
    const critical = await send('critical');
    const done = await Promise.all(lows);
    expect(critical.status).toBe(200);
    expect(done.every((d) => d.status === 200)).toBe(true);
    const lastLow = Math.max(...done.map((d) => d.at));
    expect(critical.at).toBeLessThan(lastLow);
    expect(done.filter((d) => d.at > critical.at).length).toBeGreaterThanOrEqual(2);
    expect(done.some((d) => d.queuedMs > 0)).toBe(true);
  });
});
