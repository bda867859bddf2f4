import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { admin, buildCli, chat, metricSum, startProxy, type ProxyProcess } from './cli.js';

let mock: MockProvider;
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  await buildCli();
  mock = await startMockProvider({ behaviour: { seed: 'fixed' } });
}, 90_000);
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  await mock?.close();
});

async function stack(failure: 'open' | 'closed', redisDown = false): Promise<{ redis: RedisServer; proxy: ProxyProcess }> {
  const redis = await startRedisServer();
  cleanup.push(() => redis.stop());
  if (redisDown) await redis.stop();
  const proxy = await startProxy(
    {
      TOKEN_NINJA_STORE: redis.url,
      TOKEN_NINJA_STORE_FAILURE: failure,
      TOKEN_NINJA_OPENAI_URL: mock.url,
      TOKEN_NINJA_ANTHROPIC_URL: mock.url,
      TOKEN_NINJA_REALLOCATE_SECONDS: '2',
    },
    ['--store-flush-ms', '200'],
  );
  cleanup.push(() => proxy.kill());
  return { redis, proxy };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` every 50 ms until it holds; false after `ms`. */
async function eventually(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await probe().catch(() => false)) return true;
    await sleep(50);
  }
  return false;
}

const metrics = async (p: ProxyProcess) => (await admin(p, '/metrics')).body as string;
const readyz = async (p: ProxyProcess) => (await fetch(`${p.adminUrl}/readyz`)).status;

/** Sequential traffic of one agent until stopped: every answer with its time and charged tokens. */
function traffic(proxy: ProxyProcess, agent: string) {
  const answers: Array<{ at: number; status: number; charged: number; body: Record<string, unknown> }> = [];
  let stop = false;
  const loop = async () => {
    for (let i = 0; i < 20_000 && !stop; i++) {
      const { status, body } = await chat(proxy, agent);
      const usage = body.usage as { prompt_tokens: number; completion_tokens: number } | undefined;
      answers.push({ at: Date.now(), status, charged: usage ? usage.prompt_tokens + usage.completion_tokens : 0, body });
      await sleep(5);
    }
  };
  const running = Promise.all([loop(), loop()]);
  return {
    answers,
    async stop() {
      stop = true;
      await running;
    },
  };
}

describe('Redis stopped mid-traffic and restarted', () => {
  it('fail-open: every request is served, the outage is logged and exported, and its counts reach Redis on recovery', async () => {
    const { redis, proxy } = await stack('open');
    // Until a table names it, a new agent only has the newcomer reserve (DESIGN §8): let one request name it first.
    const warm = await chat(proxy, 'steady');
    const warmCharged = (warm.body.usage as { total_tokens: number } | undefined)?.total_tokens ?? 0;
    const named = async () => ((await admin(proxy, '/v1/allocations')).body as { agents: Array<{ agent: string }> }).agents.some((a) => a.agent === 'steady');
    expect(await eventually(named, 10_000)).toBe(true);
    const load = traffic(proxy, 'steady');
    await sleep(1000);
    const stoppedAt = Date.now();
    await redis.stop();
    expect(await eventually(async () => metricSum(await metrics(proxy), 'token_ninja_store_up') === 0, 3000)).toBe(true);
    await sleep(2000);
    const restartedAt = Date.now();
    await redis.start();
    expect(await eventually(async () => metricSum(await metrics(proxy), 'token_ninja_store_up') === 1, 10_000)).toBe(true);
    await sleep(800);
    await load.stop();
    // A few flush intervals for the last counts.
    await sleep(800);

    expect(proxy.proc.exitCode).toBeNull();
    const failed = load.answers.filter((a) => a.status !== 200);
    expect(failed.map((a) => [a.status, a.body])).toEqual([]);
    const during = load.answers.filter((a) => a.at > stoppedAt + 100 && a.at < restartedAt);
    expect(during.length).toBeGreaterThan(10);
    const text = await metrics(proxy);
    expect(metricSum(text, 'token_ninja_store_errors_total')).toBeGreaterThan(0);
    expect(proxy.logs.some((l) => l.msg === 'store unreachable')).toBe(true);
    expect(proxy.logs.some((l) => String(l.msg).startsWith('store is back'))).toBe(true);

    // The restarted Redis is empty (no persistence): what it holds now came from the proxy's buffer.
    const store = await RedisStore.connect(redis.url);
    try {
      const [usage] = await store.usageTotals(0, Number.MAX_SAFE_INTEGER);
      const afterStop = load.answers.filter((a) => a.at > stoppedAt).reduce((s, a) => s + a.charged, 0);
      const total = load.answers.reduce((s, a) => s + a.charged, 0);
      expect(usage?.agent).toBe('steady');
      // Everything charged since Redis went away is in it: the outage's counts were reconciled, not dropped.
      expect(usage!.consumed).toBeGreaterThanOrEqual(afterStop);
      expect(usage!.consumed).toBeLessThanOrEqual(total + warmCharged);
      expect((await store.agents()).map((a) => a.agent)).toContain('steady');
      console.info(`fail-open: ${load.answers.length} requests (${during.length} during the outage), all 200; Redis holds ${usage!.consumed} of ${total} tokens charged, ${afterStop} since the stop`);
    } finally {
      await store.close();
    }
  });

  it('fail-closed: a clear 503 in the provider\'s format and /readyz 503 while down, then it recovers', async () => {
    const { redis, proxy } = await stack('closed');
    expect((await chat(proxy, 'strict')).status).toBe(200);
    expect(await readyz(proxy)).toBe(200);
    const load = traffic(proxy, 'strict');
    await sleep(500);
    await redis.stop();
    expect(await eventually(async () => (await readyz(proxy)) === 503, 3000)).toBe(true);

    const openai = await chat(proxy, 'strict');
    expect(openai.status).toBe(503);
    expect(openai.body).toMatchObject({ error: { code: 'store_unavailable', message: expect.any(String) } });
    const anthropic = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'strict', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-3-5-haiku-latest', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(anthropic.status).toBe(503);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });

    await sleep(500);
    await redis.start();
    expect(await eventually(async () => (await readyz(proxy)) === 200, 10_000)).toBe(true);
    expect((await chat(proxy, 'strict')).status).toBe(200);
    await load.stop();

    expect(proxy.proc.exitCode).toBeNull();
    // Every answer was a success or the store's 503: nothing else failed because of the outage.
    const other = load.answers.filter((a) => a.status !== 200 && !(a.status === 503 && (a.body.error as { code?: string } | undefined)?.code === 'store_unavailable'));
    expect(other.map((a) => [a.status, a.body])).toEqual([]);
    expect(load.answers.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    console.info(`fail-closed: ${load.answers.length} requests, ${load.answers.filter((a) => a.status === 503).length} answered 503 store_unavailable`);
  });

  it('starts with Redis down: fail-open serves at once and reconciles later; fail-closed waits unready', async () => {
    const [open, closed] = await Promise.all([stack('open', true), stack('closed', true)]);
    expect((await chat(open.proxy, 'early')).status).toBe(200);
    expect(await readyz(open.proxy)).toBe(200);
    expect(metricSum(await metrics(open.proxy), 'token_ninja_store_up')).toBe(0);
    expect(await readyz(closed.proxy)).toBe(503);
    expect((await chat(closed.proxy, 'early')).status).toBe(503);

    await Promise.all([open.redis.start(), closed.redis.start()]);
    expect(await eventually(async () => (await readyz(closed.proxy)) === 200, 10_000)).toBe(true);
    expect((await chat(closed.proxy, 'early')).status).toBe(200);
    const store = await RedisStore.connect(open.redis.url);
    try {
      expect(await eventually(async () => (await store.usageTotals(0, Number.MAX_SAFE_INTEGER)).some((u) => u.agent === 'early' && u.consumed > 0), 10_000)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
