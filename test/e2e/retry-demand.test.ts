import OpenAI from 'openai';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

// An hour-long tick, so no reallocation replaces the zero allocations the tests set.
const OVER_BUDGET = { reallocateSeconds: 3600, queue: { maxWaitMs: 0 } };

describe('retries are not demand (DESIGN §8)', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const body = (content: string) => ({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user' as const, content }] });

  async function cost(content: string): Promise<number> {
    const r = await request(`${stack!.app.url}/token-ninja/v1/estimate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: '/v1/chat/completions', body: body(content) }),
    });
    const e = (await r.body.json()) as { inputTokens: number; outputTokens: number };
    return e.inputTokens + e.outputTokens;
  }

  /**
   * The refused agent's bucket never refills, so the proxy says to retry in an hour; the SDK would obey.
   * Hiding that header makes it retry on its own default back-off (0.5 s, then 1 s) instead.
   */
  const hurried: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (res.status !== 429) return res;
    const headers = new Headers(res.headers);
    headers.delete('retry-after');
    headers.delete('retry-after-ms');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };

  /** The openai SDK, retrying twice, against an agent that is always refused; resolves once it gave up. */
  async function refusedThrice(agent: string, content: string): Promise<void> {
    const client = new OpenAI({ baseURL: `${stack!.app.url}/agents/${agent}/v1`, apiKey: 'sk-test', maxRetries: 2, fetch: hurried });
    await expect(client.chat.completions.create(body(content))).rejects.toMatchObject({ status: 429 });
  }

  async function retries(agent: string): Promise<number> {
    const text = await (await request(`${stack!.app.adminUrl}/metrics`)).body.text();
    const line = text.split('\n').find((l) => l.startsWith(`token_ninja_demand_retries_total{agent="${agent}"}`));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  }

  it('counts a refused body once in demand however often the SDK retries it; other bodies and agents count', async () => {
    stack = await startStack({ config: OVER_BUDGET });
    stack.app.admission.applyAllocations({ allocations: { greedy: 0, other: 0 } });
    const [costA, costB] = [await cost('first question'), await cost('second question')];
    expect(costA).toBeGreaterThan(0);
    expect(costB).toBeGreaterThan(0);

    await refusedThrice('greedy', 'first question');
    const refusals = stack.logs.filter((l) => l.msg === 'request' && l.agent === 'greedy' && l.status === 429);
    expect(refusals, 'the SDK sent the request three times').toHaveLength(3);
    const demand = stack.app.accountant.usage.takeTickDemand();
    expect(demand.get('greedy'), 'three attempts, one request of demand').toBe(costA);
    expect(await retries('greedy')).toBe(2);

    // A different body is new demand; its own retries again are not.
    await refusedThrice('greedy', 'second question');
    // The same body from another agent is that agent's demand.
    await refusedThrice('other', 'first question');
    const later = stack.app.accountant.usage.takeTickDemand();
    expect(later.get('greedy')).toBe(costB);
    expect(later.get('other')).toBe(costA);
    expect(await retries('greedy')).toBe(4);
    expect(await retries('other')).toBe(2);
  });

  it('a body admitted after its refusal is new demand when sent again', async () => {
    stack = await startStack({ config: OVER_BUDGET });
    stack.app.admission.applyAllocations({ allocations: { flaky: 0 } });
    const c = await cost('again');
    await refusedThrice('flaky', 'again');
    // A bucket that starts empty but refills a request's worth within a millisecond, so both sends below are admitted.
    stack.app.admission.applyAllocations({ allocations: { flaky: 1e12 } });
    await new Promise((r) => setTimeout(r, 2));
    const client = new OpenAI({ baseURL: `${stack.app.url}/agents/flaky/v1`, apiKey: 'sk-test', maxRetries: 0 });
    await client.chat.completions.create(body('again')); // a retry that got through
    await client.chat.completions.create(body('again')); // a new request with the same body
    expect(stack.app.accountant.usage.takeTickDemand().get('flaky')).toBe(2 * c);
    expect(await retries('flaky')).toBe(3);
  });
});
