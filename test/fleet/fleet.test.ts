import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { admin, buildCli, chat, fleetEnv, metricSum, startFleet, type ProxyProcess } from './cli.js';

const TICK_MS = 2000;
const TOKENS_PER_MINUTE = 60_000;
const POOL = (TOKENS_PER_MINUTE * TICK_MS) / 60_000;
/** Sidecar shape: each agent talks to its own proxy; every proxy shares one Redis. */
const AGENTS: Array<{ agent: string; proxy: number; headers?: Record<string, string> }> = [
  { agent: 'alpha', proxy: 0, headers: { 'x-token-ninja-priority': 'high' } },
  { agent: 'beta', proxy: 1 },
  { agent: 'gamma', proxy: 2, headers: { 'x-token-ninja-blocking': '2' } },
  { agent: 'delta', proxy: 2 },
  // Replicas of one agent, each with its own sidecar: the proxies split its allocation by their demand.
  { agent: 'omega', proxy: 0 },
  { agent: 'omega', proxy: 1 },
  { agent: 'omega', proxy: 2 },
];
const AGENT_NAMES = [...new Set(AGENTS.map((a) => a.agent))];

interface Table {
  at: string;
  tick: number;
  pool: number;
  burst: { capacity: number; available: number };
  agents: Array<Record<string, unknown> & { agent: string; allocation: number }>;
}
/** The computed table; `remaining` and `burst.available` are each proxy's live state, not the table. */
const engineView = (t: Table) => ({
  at: t.at,
  tick: t.tick,
  pool: t.pool,
  burstCapacity: t.burst.capacity,
  agents: t.agents.map(({ remaining: _r, override: _o, ...row }) => row),
});

let redis: RedisServer;
let mock: MockProvider;
const proxies: ProxyProcess[] = [];
beforeAll(async () => {
  const [server] = await Promise.all([startRedisServer(), buildCli()]);
  redis = server;
  mock = await startMockProvider({ behaviour: { seed: 'fixed' } });
  const started = await startFleet(
    3,
    fleetEnv(redis.url, mock.url, TICK_MS, { TOKEN_NINJA_TOKENS_PER_MINUTE: String(TOKENS_PER_MINUTE), TOKEN_NINJA_LOG_LEVEL: 'debug' }),
    // Settle delay = 2 × flush = 800 ms after each boundary.
    ['--store-flush-ms', '400'],
  );
  proxies.push(...started);
  // Warm up: the first request loads each proxy's tokenizer, which stalls its event loop for a moment.
  await Promise.all(AGENTS.map((a) => chat(proxies[a.proxy]!, a.agent)));
}, 90_000);
afterAll(async () => {
  for (const p of proxies) await p.kill();
  await mock?.close();
  await redis?.stop();
});

/** The proxy's table once it has computed `tick` (polled until shortly before the next boundary). */
async function tableOf(p: ProxyProcess, tick: number): Promise<Table> {
  for (;;) {
    const table = (await admin(p, '/v1/allocations')).body as Table;
    if (table.tick >= tick || Date.now() > (tick + 1) * TICK_MS - 100) return table;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Deliberately waits for a wall-clock instant (a tick boundary plus the settle delay): ticks are wall-clock aligned. */
const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

describe('fleet: three proxies on one Redis', () => {
  it('compute identical tables every tick and admit no more than the fleet pool + burst + in-flight', async () => {
    const stopAt = Date.now() + 11_000;
    const worker = async (a: (typeof AGENTS)[number]) => {
      for (let i = 0; i < 5000 && Date.now() < stopAt; i++) {
        const res = await chat(proxies[a.proxy]!, a.agent, a.headers);
        expect([200, 429]).toContain(res.status);
      }
    };
    const traffic = Promise.all(AGENTS.flatMap((a) => [worker(a), worker(a)]));

    // Compare the three tables of each tick once every proxy has computed it (boundary + settle).
    const compared: Table[] = [];
    let skipped = 0;
    for (let tick = Math.floor(Date.now() / TICK_MS) + 1; (tick + 1) * TICK_MS < stopAt; tick++) {
      await sleepUntil(tick * TICK_MS + 1000);
      const tables = await Promise.all(proxies.map((p) => tableOf(p, tick)));
      if (tables.some((t) => t.tick !== tick)) {
        console.info(`tick ${tick}: proxies at ${tables.map((t) => t.tick).join(', ')} at +${Date.now() - tick * TICK_MS} ms`);
        skipped++;
        for (const p of proxies) console.info(p.logs.filter((l) => l.msg !== 'request').slice(-5).map((l) => JSON.stringify(l)).join('\n'));
        continue;
      }
      for (const t of tables.slice(1)) expect(engineView(t)).toEqual(engineView(tables[0]!));
      compared.push(tables[0]!);
    }
    await traffic;
    expect(compared.length).toBeGreaterThanOrEqual(3);
    expect(skipped).toBeLessThanOrEqual(1);
    const full = compared.filter((t) => AGENT_NAMES.every((name) => t.agents.some((a) => a.agent === name)));
    expect(full.length).toBeGreaterThanOrEqual(2);
    // Signals from every proxy reached every table: alpha's priority (seen by proxy 0 only) is in proxy 2's table.
    const last = full.at(-1)!;
    const weight = (agent: string) => Number(last.agents.find((a) => a.agent === agent)!.priorityWeight);
    expect(weight('alpha')).toBeGreaterThan(weight('beta'));
    expect(weight('gamma')).toBeGreaterThan(weight('delta'));
    // The engine shares one pool: allocations plus the burst buffer never exceed it.
    for (const t of compared) expect(t.agents.reduce((s, a) => s + a.allocation, 0) + t.burst.capacity).toBeLessThanOrEqual(POOL + 1e-6);

    // Tokens admitted fleet-wide, by the tick of admission, from every proxy's request log.
    const byTick = new Map<number, number>();
    let maxRequest = 0;
    for (const p of proxies) {
      for (const line of p.logs) {
        const tokens = line.tokens as { charged: number } | undefined;
        if (line.msg !== 'request' || line.status !== 200 || tokens === undefined) continue;
        const admittedAt = Number(line.time) - Number(line.durationMs) + Number(line.queuedMs ?? 0);
        const tick = Math.floor(admittedAt / TICK_MS);
        byTick.set(tick, (byTick.get(tick) ?? 0) + tokens.charged);
        maxRequest = Math.max(maxRequest, tokens.charged);
      }
    }
    // From the first tick whose previous table named every agent (before that, a new agent runs on its baseline).
    const first = full[0]!.tick + 1;
    const lastTick = Math.floor(stopAt / TICK_MS) - 1;
    const ticks = Array.from({ length: lastTick - first + 1 }, (_, i) => first + i);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    const maxAllocated = Math.max(...compared.map((t) => t.agents.reduce((s, a) => s + a.allocation, 0)));
    const maxBurst = Math.max(...compared.map((t) => t.burst.capacity));
    // One request per agent and proxy (omega runs on three).
    const overshoot = AGENTS.length * maxRequest;
    // Bound per tick: each bucket carries at most one tick's allocation in, refills one more, plus the shared
    // burst pool and one request of overshoot per agent (admitted while the balance was still positive).
    for (const k of ticks) expect(byTick.get(k) ?? 0).toBeLessThanOrEqual(2 * maxAllocated + maxBurst + overshoot);
    // Over K ticks: K × (allocations + burst) + the carried-in buckets + overshoot — the fleet rate, not 3 × it.
    const admitted = ticks.reduce((s, k) => s + (byTick.get(k) ?? 0), 0);
    const bound = ticks.length * (maxAllocated + maxBurst) + maxAllocated + overshoot;
    expect(admitted).toBeLessThanOrEqual(bound);
    // The traffic asked for far more, so the bound was really tested.
    expect(admitted).toBeGreaterThan(0.5 * ticks.length * maxAllocated);

    // README: over its allocation, a request is served from the burst buffer only at burst.minPriority (high) or
    // above. alpha alone sends high priority, and only to proxy 0: every burst answer is alpha's, on proxy 0.
    let burstAnswers = 0;
    for (const [i, p] of proxies.entries()) {
      const text = (await admin(p, '/metrics')).body as string;
      const answers = metricSum(text, 'token_ninja_requests_total', { outcome: 'burst' });
      const alphas = metricSum(text, 'token_ninja_requests_total', { agent: 'alpha', outcome: 'burst' });
      expect(answers, `burst answers on proxy ${i}`).toBe(i === 0 ? alphas : 0);
      expect(metricSum(text, 'token_ninja_burst_draws_total'), `burst draws on proxy ${i}`).toBe(answers);
      burstAnswers += answers;
    }
    // alpha asked for far more than its allocation (two workers without pause), so the buffer was drawn on.
    expect(burstAnswers).toBeGreaterThan(0);
    console.info(
      `fleet: ${compared.length} ticks compared (skipped ${skipped}); ticks ${first}..${lastTick}: admitted ${admitted} tokens, bound ${bound} ` +
        `(pool ${POOL}/tick, allocated ≤ ${maxAllocated}, burst ≤ ${maxBurst}, max request ${maxRequest}); burst draws ${burstAnswers}; ` +
        `per tick ${ticks.map((k) => byTick.get(k) ?? 0).join(', ')}`,
    );
  });
});
