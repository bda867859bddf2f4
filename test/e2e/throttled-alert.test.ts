import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type Answer, type WebhookReceiver } from '../alerts/webhook-receiver.js';
import { startStack, type Stack } from './harness.js';

// 6,000 tokens per minute on a 1 s tick, no queueing: an agent asking for more is refused at once, over and over.
const TIGHT = { tokensPerMinute: 6000, reallocateSeconds: 1, queue: { maxWaitMs: 0, maxDepth: 100 } };
// 0.01 minutes = 0.6 s of throttling raises the alert.
const THROTTLED_MINUTES = 0.01;

let stack: Stack | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await stack?.close();
  await receiver?.close();
  stack = undefined;
  receiver = undefined;
});

async function throttledStack(answer: Answer): Promise<{ stack: Stack; receiver: WebhookReceiver; client: OpenAI }> {
  receiver = await startWebhookReceiver(answer);
  stack = await startStack({
    config: { ...TIGHT, alerts: { webhook: receiver.url, throttledMinutes: THROTTLED_MINUTES, headers: { authorization: 'Bearer hook' } } },
    behaviour: { outputTokens: 40 },
  });
  // No SDK retries: every refusal is seen by the test, and each request ends at once.
  const client = new OpenAI({ baseURL: `${stack.app.url}/agents/greedy/v1`, apiKey: 'sk-test', maxRetries: 0 });
  return { stack, receiver, client };
}

/** One request through the official client: its status (200 served, 429 refused). */
async function ask(client: OpenAI): Promise<number> {
  try {
    await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 60, messages: [{ role: 'user', content: 'count to ten' }] });
    return 200;
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined) return err.status;
    throw err;
  }
}

/** Sends requests until `done` holds, at most `max` of them and for at most 20 s; returns every status. */
async function askUntil(client: OpenAI, done: () => boolean, max = 2000): Promise<number[]> {
  const statuses: number[] = [];
  const deadline = Date.now() + 20_000;
  while (!done() && statuses.length < max && Date.now() < deadline) statuses.push(await ask(client));
  return statuses;
}

describe('throttled alert through the real proxy', () => {
  it('an agent throttled longer than throttledMinutes gets one alert POSTed, once per episode', async () => {
    const { stack, receiver, client } = await throttledStack(() => 204);
    const statuses = await askUntil(client, () => receiver.delivered.length > 0);
    expect(statuses).toContain(429);
    expect(receiver.delivered).toHaveLength(1);
    const alert = receiver.delivered[0]!.body as Record<string, unknown>;
    expect(alert).toMatchObject({ type: 'throttled', scope: 'agent:greedy', limit: THROTTLED_MINUTES });
    expect(alert.used as number).toBeGreaterThanOrEqual(THROTTLED_MINUTES);
    expect(new Date(alert.period as string).getTime()).toBeLessThan(new Date(alert.at as string).getTime());
    expect(alert).not.toHaveProperty('threshold');
    expect(receiver.delivered[0]!.headers.authorization).toBe('Bearer hook');
    // Still throttled: the same episode raises nothing more.
    const more = await askUntil(client, () => false, 50);
    expect(more.filter((s) => s === 429).length).toBeGreaterThan(10);
    expect(receiver.requests).toHaveLength(1);
    const metrics = await (await fetch(`${stack.app.adminUrl}/metrics`)).text();
    expect(metrics).toContain('token_ninja_alerts_total{type="throttled",outcome="sent"} 1');
  });

  it('a webhook that hangs never holds a request up: requests keep completing while the alert waits', async () => {
    const { receiver, client } = await throttledStack(() => 'hang');
    await askUntil(client, () => receiver.requests.length > 0);
    expect(receiver.requests).toHaveLength(1);
    // The webhook is hanging on the alert now; the agent's requests are answered all the same.
    const during = await askUntil(client, () => false, 50);
    expect(during).toHaveLength(50);
    expect(during.every((s) => s === 200 || s === 429)).toBe(true);
    expect(receiver.delivered).toHaveLength(0);
  });
});
