import { afterEach, describe, expect, it } from 'vitest';
import { periodId } from '../../src/budget/cap-period.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { eventually } from './ports.js';
import { startStack, type Stack } from './harness.js';

const LIMIT = 600;

/** One small chat completion as `agent`; resolves to the status, the error code and the charged tokens. */
async function ask(stack: Stack, agent: string): Promise<{ status: number; code?: string; charged: number }> {
  const res = await fetch(`${stack.app.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-token-ninja-agent': agent },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] }),
  });
  const body = (await res.json()) as { error?: { code?: string }; usage?: { prompt_tokens: number; completion_tokens: number } };
  return { status: res.status, code: body.error?.code, charged: body.usage ? body.usage.prompt_tokens + body.usage.completion_tokens : 0 };
}

/** Requests until the first refusal (bounded): the tokens charged to the served ones, and the refusal's code. */
async function spend(stack: Stack, agent: string): Promise<{ charged: number; served: number; code?: string }> {
  let charged = 0;
  for (let served = 0; served < 100; served++) {
    const r = await ask(stack, agent);
    if (r.status !== 200) return { charged, served, code: r.code };
    charged += r.charged;
  }
  return { charged, served: 100 };
}

describe('period caps while the shared store is down (fail-open)', () => {
  let stack: Stack | undefined;
  let store: Store | undefined;
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await stack?.close();
    await store?.close().catch(() => undefined);
    await redis?.stop();
  });

  it('keeps enforcing on local counts from the last sight of the cap, and adds them to Redis once it is back', async () => {
    redis = await startRedisServer();
    store = await openStore(redis.url, { flushMs: 50, redis: { requireConnection: true } });
    stack = await startStack({
      store,
      behaviour: { outputTokens: 10 },
      config: { storeFailure: 'open', caps: [{ scope: 'fleet', period: 'day', limit: LIMIT, action: 'block' }] },
    });
    const before = await ask(stack, 'early');
    expect(before.status).toBe(200);
    // Its settlement is written just after the reply: let it land before the outage.
    const day = { scope: 'fleet', periodId: periodId('day', Date.now()) };
    expect(await eventually(async () => (await store!.capCounters([day]))[0]?.used === before.charged)).toBe(true);
    await redis.stop();
    expect(await eventually(() => stack!.app.store.isHealthy?.() === false, 5000)).toBe(true);

    // Down: served on local counts, refused at the limit as last seen plus what this proxy charged since.
    const outage = await spend(stack, 'during');
    expect(outage.code).toBe('budget_cap_reached');
    expect(before.charged + outage.charged).toBeGreaterThanOrEqual(LIMIT);
    expect(before.charged + outage.charged).toBeLessThan(LIMIT + 2 * before.charged);

    // Back (empty: the test server persists nothing): this proxy's counts from the outage land once.
    await redis.start();
    expect(await eventually(async () => (await store!.capCounters([day]))[0]?.used === outage.charged, 10_000, 50)).toBe(true);
    expect((await store.capCounters([day]))[0]).toEqual({ ...day, used: outage.charged, reserved: 0 });
  }, 30_000);
});
