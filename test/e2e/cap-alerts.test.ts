import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../alerts/webhook-receiver.js';
import { startStack, type Stack } from './harness.js';

/**
 * Period caps feed the alerts (DESIGN §9) through the real proxy: an agent spends its day cap through the
 * official SDK, and the webhook — failing each alert's first attempt — receives exactly one POST per threshold.
 */

const LIMIT = 600;
/** Bound of the load: the cap is reached in about six requests. */
const MAX_REQUESTS = 40;

let stack: Stack | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await stack?.close();
  await receiver?.close();
  stack = undefined;
  receiver = undefined;
});

describe('cap thresholds raise alerts, end to end', () => {
  it('one POST per threshold crossed on the way to a blocked cap, even when every first attempt fails', async () => {
    const firstSeen = new Set<number>();
    receiver = await startWebhookReceiver((_n, body) => {
      const t = (body as { threshold: number }).threshold;
      if (firstSeen.has(t)) return 200;
      firstSeen.add(t);
      return 500;
    });
    stack = await startStack({
      config: {
        tokensPerMinute: 6_000_000,
        caps: [{ scope: 'agent:spender', period: 'day', limit: LIMIT }],
        alerts: { webhook: receiver.url, thresholds: [0.5, 1] },
        logLevel: 'warn',
      },
      behaviour: { outputTokens: 60 },
    });
    const client = new OpenAI({ baseURL: `${stack.app.url}/agents/spender/v1`, apiKey: 'sk-test', maxRetries: 0 });
    let blocked: unknown;
    for (let i = 0; i < MAX_REQUESTS && blocked === undefined; i++) {
      await client.chat.completions
        .create({ model: 'gpt-4o-mini', max_tokens: 60, messages: [{ role: 'user', content: `step ${i}` }] })
        .catch((err: unknown) => (blocked = err));
    }
    expect(blocked).toBeInstanceOf(OpenAI.RateLimitError);
    expect((blocked as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ code: 'budget_cap_reached' });

    // Delivery is in the background, with retries: poll until both arrived (or 15 s), let it settle, then count.
    for (const end = Date.now() + 15_000; receiver.delivered.length < 2 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    await stack.app.alerts?.idle();
    const delivered = receiver.delivered.map((r) => r.body as { type: string; scope: string; period: string; threshold: number; used: number; limit: number });
    expect(delivered.map((d) => d.threshold)).toEqual([0.5, 1]);
    for (const d of delivered) {
      expect(d).toMatchObject({ type: 'cap_threshold', scope: 'agent:spender', limit: LIMIT });
      expect(d.period).toMatch(/^day:\d{4}-\d{2}-\d{2}$/);
      expect(d.used).toBeGreaterThanOrEqual(d.threshold * LIMIT);
    }
    // Each alert: one failed attempt, one delivered; nothing sent twice.
    expect(receiver.requests).toHaveLength(4);
  });
});
