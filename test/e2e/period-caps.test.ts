import OpenAI from 'openai';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../store/temp-dir.js';
import { metricSum } from '../fleet/cli.js';
import { startStack, type Stack } from './harness.js';

/** The proxy's clock runs at wall speed from 22:30 UTC, so a day cap's reset is 90 minutes away. */
const T = Date.UTC(2026, 11, 6, 22, 30);
const MIDNIGHT = Date.UTC(2026, 11, 7);
const shifted = (): (() => number) => {
  const shift = T - Date.now();
  return () => Date.now() + shift;
};

interface CapRow {
  scope: string;
  period: string;
  periodId: string;
  used: number;
  reserved: number;
  limit: number;
  share: number;
  action: string;
  resetsAt: string;
}

async function adminJson<B>(stack: Stack, path: string): Promise<B> {
  const res = await fetch(`${stack.app.adminUrl}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as B;
}

/** Chat completions as `agent` until the first refusal (bounded); resolves to the successes and the refusal. */
async function spendUntilRefused(stack: Stack, agent: string, max = 40): Promise<{ served: number; refusal: InstanceType<typeof OpenAI.APIError> | undefined }> {
  const client = new OpenAI({ baseURL: `${stack.app.url}/agents/${agent}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  for (let served = 0; served < max; served++) {
    try {
      await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 60, messages: [{ role: 'user', content: 'count to ten' }] });
    } catch (err) {
      if (err instanceof OpenAI.APIError) return { served, refusal: err };
      throw err;
    }
  }
  return { served: max, refusal: undefined };
}

/** Settlements reach the counters just after each reply: poll until nothing is held. */
async function settledCaps(stack: Stack): Promise<CapRow[]> {
  for (let i = 0; i < 100; i++) {
    const { caps } = await adminJson<{ caps: CapRow[] }>(stack, '/v1/caps');
    if (caps.every((c) => c.reserved === 0)) return caps;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('cap reservations never settled');
}

describe('period caps end to end', () => {
  let stack: Stack | undefined;
  let store: Store | undefined;
  const dir = tempDir('caps');
  afterAll(() => dir.remove());
  afterEach(async () => {
    await stack?.close();
    await store?.close();
    stack = undefined;
    store = undefined;
  });

  it('a day cap blocks its scope at the limit with budget_cap_reached and retry-after until UTC midnight; others go on', async () => {
    const now = shifted();
    stack = await startStack({
      now,
      behaviour: { outputTokens: 40 },
      config: {
        caps: [
          { scope: 'agent:capped', period: 'day', limit: 300, action: 'block' },
          { scope: 'fleet', period: 'month', limit: 1_000_000, action: 'alert' },
        ],
      },
    });
    const { served, refusal } = await spendUntilRefused(stack, 'capped');
    expect(refusal, 'the cap must refuse within 40 requests').toBeDefined();
    expect(served).toBeGreaterThan(1);
    expect(refusal!.status).toBe(429);
    expect(refusal!.code).toBe('budget_cap_reached');
    expect(refusal!.type).toBe('rate_limit_exceeded');
    const waitMs = MIDNIGHT - now();
    expect(Number(refusal!.headers?.get('retry-after-ms'))).toBeGreaterThanOrEqual(waitMs - 100);
    expect(Number(refusal!.headers?.get('retry-after-ms'))).toBeLessThanOrEqual(waitMs + 5_000);
    expect(Number(refusal!.headers?.get('retry-after'))).toBe(Math.ceil(Number(refusal!.headers?.get('retry-after-ms')) / 1000));

    // Anthropic's route answers in Anthropic's shape.
    const messages = await fetch(`${stack.app.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'capped', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-3-5-haiku-latest', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(messages.status).toBe(429);
    expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });

    // Another agent is not in the capped scope.
    expect((await spendUntilRefused(stack, 'free', 3)).refusal).toBeUndefined();

    const caps = await settledCaps(stack);
    const day = caps.find((c) => c.scope === 'agent:capped')!;
    expect(day).toMatchObject({ period: 'day', periodId: 'day:2026-12-06', limit: 300, action: 'block', resetsAt: new Date(MIDNIGHT).toISOString() });
    // Admitted while under the limit: at or over it now, by less than the last request's charge (~50 tokens).
    expect(day.used).toBeGreaterThanOrEqual(300);
    expect(day.used).toBeLessThan(300 + 60);
    expect(day.share).toBeCloseTo(day.used / 300);
    const fleet = caps.find((c) => c.scope === 'fleet')!;
    expect(fleet).toMatchObject({ period: 'month', periodId: 'month:2026-12', action: 'alert' });
    expect(fleet.used).toBeGreaterThan(day.used);

    const agent = await adminJson<{ spend: { unit: string; today: number; thisMonth: number } }>(stack, '/v1/agents/capped');
    expect(agent.spend).toMatchObject({ unit: 'tokens', today: day.used, thisMonth: day.used });

    const metrics = await (await fetch(`${stack.app.adminUrl}/metrics`)).text();
    expect(metricSum(metrics, 'token_ninja_cap_blocks_total', { scope: 'agent:capped' })).toBe(2);
    expect(metricSum(metrics, 'token_ninja_requests_total', { agent: 'capped', outcome: 'rejected' })).toBe(2);
    expect(metricSum(metrics, 'token_ninja_cap_limit', { scope: 'agent:capped', period: 'day' })).toBe(300);
    expect(metricSum(metrics, 'token_ninja_cap_used', { scope: 'agent:capped', period: 'day' })).toBe(day.used);
  });

  it('an alert cap never blocks, and observe mode only reports what a block cap would have refused', async () => {
    stack = await startStack({
      behaviour: { outputTokens: 40 },
      config: { mode: 'observe', caps: [{ scope: 'fleet', period: 'day', limit: 100, action: 'block' }, { scope: 'agent:loud', period: 'month', limit: 50, action: 'alert' }] },
    });
    expect((await spendUntilRefused(stack, 'loud', 6)).refusal).toBeUndefined();
    const metrics = await (await fetch(`${stack.app.adminUrl}/metrics`)).text();
    expect(metricSum(metrics, 'token_ninja_would_be_decisions_total', { agent: 'loud', decision: 'rejected' })).toBeGreaterThan(0);
    expect(metricSum(metrics, 'token_ninja_cap_blocks_total')).toBe(0);
  });

  it('usage toward a cap survives a restart on SQLite: the scope is still blocked', async () => {
    const file = `${dir.path}/restart.db`;
    const config = { caps: [{ scope: 'fleet', period: 'day' as const, limit: 200, action: 'block' as const }] };
    store = await openStore(`sqlite:${file}`, { flushMs: 50 });
    stack = await startStack({ store, config, behaviour: { outputTokens: 40 } });
    const first = await spendUntilRefused(stack, 'spender');
    expect(first.refusal?.code).toBe('budget_cap_reached');
    const before = (await settledCaps(stack))[0]!;
    await stack.close();
    await store.close();

    store = await openStore(`sqlite:${file}`, { flushMs: 50 });
    stack = await startStack({ store, config, behaviour: { outputTokens: 40 } });
    const again = await spendUntilRefused(stack, 'someone-else');
    expect(again.served).toBe(0);
    expect(again.refusal?.code).toBe('budget_cap_reached');
    expect((await settledCaps(stack))[0]).toMatchObject({ used: before.used, periodId: before.periodId });
  });
});
