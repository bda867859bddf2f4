import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { eventually } from '../e2e/ports.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { tempDir } from '../store/temp-dir.js';
import { admin, buildCli, chat, metricSum, fleetEnv, startProxy, type ProxyProcess } from './cli.js';

const TICK_MS = 2000;
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

/** A proxy on `redis`, killed at the end of the file. */
async function proxyOn(redis: RedisServer, failure: 'open' | 'closed', flags: readonly string[] = []): Promise<ProxyProcess> {
  const proxy = await startProxy(fleetEnv(redis.url, mock.url, TICK_MS, { TOKEN_NINJA_STORE_FAILURE: failure }), ['--store-flush-ms', '200', ...flags]);
  cleanup.push(() => proxy.kill());
  return proxy;
}

async function stack(failure: 'open' | 'closed', redisDown = false): Promise<{ redis: RedisServer; proxy: ProxyProcess }> {
  const redis = await startRedisServer();
  cleanup.push(() => redis.stop());
  if (redisDown) await redis.stop();
  return { redis, proxy: await proxyOn(redis, failure) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const metrics = async (p: ProxyProcess) => (await admin(p, '/metrics')).body as string;
const tickOf = async (p: ProxyProcess) => ((await admin(p, '/v1/allocations')).body as { tick: number }).tick;
const readyz = async (p: ProxyProcess) => (await fetch(`${p.adminUrl}/readyz`)).status;

/** Sequential traffic of one agent until stopped: every answer with its send and answer times and charged tokens. */
function traffic(proxy: ProxyProcess, agent: string, headers: Record<string, string> = {}) {
  const answers: Array<{ sentAt: number; at: number; status: number; charged: number; source: string | null; body: Record<string, unknown> }> = [];
  let stop = false;
  const loop = async () => {
    for (let i = 0; i < 20_000 && !stop; i++) {
      const sentAt = Date.now();
      const { status, body, source } = await chat(proxy, agent, headers);
      const usage = body.usage as { prompt_tokens: number; completion_tokens: number } | undefined;
      answers.push({ sentAt, at: Date.now(), status, charged: usage ? usage.prompt_tokens + usage.completion_tokens : 0, source, body });
      await sleep(5); // pacing, not synchronisation: leave the proxy's event loop room between requests
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
    const served = (after: number) => load.answers.filter((a) => a.at > after).length;
    expect(await eventually(() => served(0) >= 20, 10_000, 50)).toBe(true);
    const stoppedAt = Date.now();
    await redis.stop();
    expect(await eventually(async () => metricSum(await metrics(proxy), 'token_ninja_store_up') === 0, 3000, 50)).toBe(true);
    // Traffic served while Redis is down (more than the assertion below needs).
    expect(await eventually(() => served(stoppedAt + 100) > 20, 10_000, 50)).toBe(true);
    const restartedAt = Date.now();
    await redis.start();
    expect(await eventually(async () => metricSum(await metrics(proxy), 'token_ninja_store_up') === 1, 10_000, 50)).toBe(true);
    const upAt = Date.now();
    expect(await eventually(() => served(upAt) >= 10, 10_000, 50)).toBe(true);
    await load.stop();

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
      const afterStop = load.answers.filter((a) => a.at > stoppedAt).reduce((s, a) => s + a.charged, 0);
      const total = load.answers.reduce((s, a) => s + a.charged, 0);
      // The last counts reach Redis with the next flushes.
      const stored = async () => (await store.usageTotals(0, Number.MAX_SAFE_INTEGER))[0];
      expect(await eventually(async () => ((await stored())?.consumed ?? 0) >= afterStop, 10_000, 50)).toBe(true);
      const usage = await stored();
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
    expect(await eventually(() => load.answers.length >= 10, 10_000, 50)).toBe(true);
    await redis.stop();
    expect(await eventually(async () => (await readyz(proxy)) === 503, 3000, 50)).toBe(true);

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

    // The running traffic met the outage too.
    expect(await eventually(() => load.answers.some((a) => a.status === 503), 10_000, 50)).toBe(true);
    await redis.start();
    expect(await eventually(async () => (await readyz(proxy)) === 200, 10_000, 50)).toBe(true);
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
    expect(await eventually(async () => (await readyz(closed.proxy)) === 200, 10_000, 50)).toBe(true);
    expect((await chat(closed.proxy, 'early')).status).toBe(200);
    const store = await RedisStore.connect(open.redis.url);
    try {
      expect(await eventually(async () => (await store.usageTotals(0, Number.MAX_SAFE_INTEGER)).some((u) => u.agent === 'early' && u.consumed > 0), 10_000, 50)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('fail-open: while Redis is down, high priority over budget is served from this proxy\'s part of the burst buffer, bounded; served from the buffer again once Redis is back', async () => {
    // Pool 200 tokens per tick; a burst reserve of 30% of it, plus what the one agent cannot use (the table says).
    // Queue waits are short, so what neither the bucket nor the buffer covers is refused at once.
    const dir = tempDir('burst');
    cleanup.push(async () => dir.remove());
    const config = join(dir.path, 'burst.yaml');
    writeFileSync(config, 'tokensPerMinute: 6000\nburst: { minFraction: 0.3, maxFraction: 0.3, minPriority: high }\nqueue: { maxWaitMs: 100 }\n');
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    // Two proxies, each serving an agent, so each publishes signals every tick: the fleet has two, and each one's
    // part of the buffer is half of it. (A proxy that served nobody in a tick publishes no rows and is not counted.)
    const proxy = await proxyOn(redis, 'open', ['--config', config]);
    const peer = await proxyOn(redis, 'open', ['--config', config]);
    const bystander = traffic(peer, 'bystander');
    const first = await tickOf(proxy);
    expect(await eventually(async () => (await tickOf(proxy)) >= first + 2 && (await tickOf(peer)) >= first + 2, 15_000, 100)).toBe(true);
    // What one burst answer reserves (the estimate endpoint; every request of the loop has the same body).
    const estimate = await fetch(`${proxy.url}/token-ninja/v1/estimate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hello from vip' }] } }),
    });
    const { inputTokens, outputTokens } = (await estimate.json()) as { inputTokens: number; outputTokens: number };
    const reservation = inputTokens + outputTokens;

    const load = traffic(proxy, 'vip', { 'x-token-ninja-priority': 'high' });
    try {
      const burstServed = (from: number, to = Infinity) => load.answers.filter((a) => a.source === 'burst' && a.sentAt >= from && a.at < to);
      // Over budget from the shared pool first.
      expect(await eventually(() => burstServed(0).length > 0, 10_000, 50)).toBe(true);

      // Stop Redis just after a reallocation: the table read then stays in force through the outage (no
      // reallocation succeeds without Redis), and its buffer is what the proxies split.
      const reallocations = async () => metricSum(await metrics(proxy), 'token_ninja_reallocations_total');
      const before = await reallocations();
      expect(await eventually(async () => (await reallocations()) > before, 10_000, 20)).toBe(true);
      const inForce = await reallocations();
      const capacity = ((await admin(proxy, '/v1/allocations')).body as { burst: { capacity: number } }).burst.capacity;
      expect(capacity).toBeGreaterThan(0);
      await redis.stop();
      expect(await eventually(async () => metricSum(await metrics(proxy), 'token_ninja_store_up') === 0, 5000, 50)).toBe(true);
      const downAt = Date.now();
      // The admin API keeps answering from the table in force (and the overrides last read).
      const allocationsDuringOutage = (await admin(proxy, '/v1/allocations')).status;
      expect(allocationsDuringOutage).toBe(200);
      expect((await admin(proxy, '/v1/agents/vip')).status).toBe(200);
      const part = capacity / 2;
      // Served from the local part during the outage: wait for draws in at least three ticks.
      expect(await eventually(() => new Set(burstServed(downAt).map((a) => Math.floor(a.sentAt / TICK_MS))).size >= 3, 20_000, 50)).toBe(true);
      const restartedAt = Date.now();
      expect(await reallocations()).toBe(inForce);
      await redis.start();

      // Bounded: the local pool holds one part per tick; a draw is the reservation, given back down to what was
      // charged when it ends in the same tick. So what burst answers sent during the outage kept of the pool
      // (at least min(charged, reservation) each) stays within one part per tick the outage touched.
      const during = burstServed(downAt, restartedAt);
      const ticks = Math.floor(restartedAt / TICK_MS) - Math.floor(downAt / TICK_MS) + 1;
      const kept = during.reduce((sum, a) => sum + Math.min(a.charged, reservation), 0);
      expect(during.length).toBeGreaterThan(0);
      expect(kept, `${during.length} burst answers over ${ticks} ticks, part ${part}`).toBeLessThanOrEqual(ticks * part);
      // The traffic asked for more than the part: some of it was refused.
      expect(load.answers.filter((a) => a.status === 429 && a.sentAt >= downAt && a.at < restartedAt).length).toBeGreaterThan(0);

      // Recovery: the store is back and high priority over budget is served from the buffer again.
      expect(await eventually(async () => metricSum(await metrics(proxy), 'token_ninja_store_up') === 1, 10_000, 50)).toBe(true);
      const upAt = Date.now();
      expect(await eventually(() => burstServed(upAt).length > 0, 10_000, 50)).toBe(true);
      console.info(`burst during outage: ${during.length} answers keeping ${kept} tokens over ${ticks} ticks (part ${part} per tick); GET /v1/allocations during the outage: ${allocationsDuringOutage}`);
    } finally {
      await Promise.all([load.stop(), bystander.stop()]);
    }
    expect(load.answers.filter((a) => a.status !== 200 && a.status !== 429).map((a) => [a.status, a.body])).toEqual([]);
  });
});
