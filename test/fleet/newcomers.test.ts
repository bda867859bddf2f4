import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { admin, buildCli, fleetEnv, metricSum, startFleet, type ProxyProcess } from './cli.js';

const TICK_MS = 2000;
const TOKENS_PER_MINUTE = 12_000;
const POOL = (TOKENS_PER_MINUTE * TICK_MS) / 60_000;
const AGENT = 'hammer';
/** Enough concurrent clients per proxy, and large enough requests, that the agent asks for far more than the pool. */
const WORKERS_PER_PROXY = 4;
const OUTPUT_TOKENS = 120;

/** One chat completion of about OUTPUT_TOKENS + 10 tokens as AGENT; resolves to the status. */
async function ask(p: ProxyProcess): Promise<number> {
  const res = await fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-token-ninja-agent': AGENT },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: OUTPUT_TOKENS, messages: [{ role: 'user', content: 'hello' }] }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

let redis: RedisServer;
let mock: MockProvider;
const proxies: ProxyProcess[] = [];
beforeAll(async () => {
  const [server] = await Promise.all([startRedisServer(), buildCli()]);
  redis = server;
  mock = await startMockProvider({ behaviour: { seed: 'fixed', outputTokens: OUTPUT_TOKENS } });
  proxies.push(
    ...(await startFleet(3, fleetEnv(redis.url, mock.url, TICK_MS, { TOKEN_NINJA_TOKENS_PER_MINUTE: String(TOKENS_PER_MINUTE) }), ['--store-flush-ms', '400'])),
  );
  // Load each proxy's tokenizer with an estimate (nothing forwarded or counted), so the agent is new to every proxy.
  await Promise.all(
    proxies.map((p) =>
      fetch(`${p.url}/token-ninja/v1/estimate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ route: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'warm up' }] } }),
      }).then((r) => expect(r.status).toBe(200)),
    ),
  );
}, 90_000);
afterAll(async () => {
  for (const p of proxies) await p.kill();
  await mock?.close();
  await redis?.stop();
});

describe('fleet: a new agent hammering three proxies on one Redis', () => {
  it('is paid from one newcomer reserve, then the shared table: admitted within the fleet bound', async () => {
    const started = Date.now();
    const stopAt = started + 7_000;
    let ok = 0;
    let refused = 0;
    let maxBurst = 0;
    const worker = async (p: ProxyProcess) => {
      for (let i = 0; i < 2_000 && Date.now() < stopAt; i++) {
        const status = await ask(p);
        expect([200, 429]).toContain(status);
        if (status === 200) ok++;
        else refused++;
      }
    };
    const sampleBurst = async () => {
      while (Date.now() < stopAt) {
        for (const p of proxies) maxBurst = Math.max(maxBurst, ((await admin(p, '/v1/allocations')).body as { burst: { capacity: number } }).burst.capacity);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    await Promise.all([...proxies.flatMap((p) => Array.from({ length: WORKERS_PER_PROXY }, () => worker(p))), sampleBurst()]);
    const elapsedMs = Date.now() - started;

    let admitted = 0;
    let maxRequest = 0;
    for (const p of proxies) {
      for (const line of p.logs) {
        const tokens = line.tokens as { charged: number } | undefined;
        if (line.msg !== 'request' || line.agent !== AGENT || line.status !== 200 || tokens === undefined) continue;
        admitted += tokens.charged;
        maxRequest = Math.max(maxRequest, tokens.charged);
      }
    }
    const bound = (TOKENS_PER_MINUTE * elapsedMs) / 60_000 + POOL + maxBurst + proxies.length * maxRequest;
    let newAgents = 0;
    for (const p of proxies) newAgents += metricSum((await admin(p, '/metrics')).body as string, 'token_ninja_new_agents_total');
    console.info(`fleet newcomer: ${ok} admitted, ${refused} refused; ${admitted} tokens in ${elapsedMs} ms; bound ${bound.toFixed(0)} (${(admitted / bound).toFixed(2)}×)`);
    // The old code (a full baseline bucket per proxy, refilling outside the pool) admitted 1.4–1.7× this bound.
    expect(admitted).toBeLessThanOrEqual(bound);
    expect(admitted).toBeGreaterThan(0);
    // The agent asked for more than it got, so the bound was really tested.
    expect(refused).toBeGreaterThan(0);
    // Each proxy counted the agent once, however many of its requests it saw.
    expect(newAgents).toBe(proxies.length);
  }, 60_000);
});
