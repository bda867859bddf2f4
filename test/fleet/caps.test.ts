import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { tempDir } from '../store/temp-dir.js';
import { admin, buildCli, fleetEnv, metricSum, startFleet, type ProxyProcess } from './cli.js';

const TICK_MS = 2000;
/** The per-minute pool is far above what the test asks: only the day cap refuses. */
const TOKENS_PER_MINUTE = 100_000_000;
const LIMIT = 4000;
const OUTPUT_TOKENS = 10;
const WORKERS_PER_PROXY = 4;
const PROXIES = 3;

interface CapRow {
  scope: string;
  used: number;
  reserved: number;
  limit: number;
  resetsAt: string;
}

/** One small chat completion as `agent`; resolves to the status and, on a refusal, its code and retry-after-ms. */
async function ask(p: ProxyProcess, agent: string): Promise<{ status: number; code?: string; retryAfterMs?: number }> {
  const res = await fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-token-ninja-agent': agent },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { error?: { code?: string } };
  if (res.status !== 429) return { status: res.status };
  return { status: res.status, code: body.error?.code, retryAfterMs: Number(res.headers.get('retry-after-ms')) };
}

/** The fleet cap as one proxy reads it from Redis, once no request holds a reservation (polled, bounded). */
async function settledCap(p: ProxyProcess): Promise<CapRow> {
  for (let i = 0; i < 200; i++) {
    const { body } = await admin(p, '/v1/caps');
    const cap = (body as { caps: CapRow[] }).caps.find((c) => c.scope === 'fleet');
    if (cap !== undefined && cap.reserved === 0) return cap;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the fleet cap kept a reservation');
}

let redis: RedisServer;
let mock: MockProvider;
const proxies: ProxyProcess[] = [];
const dir = tempDir('fleet-caps');
beforeAll(async () => {
  const [server] = await Promise.all([startRedisServer(), buildCli()]);
  redis = server;
  mock = await startMockProvider({ behaviour: { seed: 'fixed', outputTokens: OUTPUT_TOKENS } });
  const config = join(dir.path, 'caps.yaml');
  writeFileSync(config, `caps:\n  - { scope: fleet, period: day, limit: ${LIMIT}, action: block }\n`);
  proxies.push(
    ...(await startFleet(PROXIES, fleetEnv(redis.url, mock.url, TICK_MS, { TOKEN_NINJA_TOKENS_PER_MINUTE: String(TOKENS_PER_MINUTE) }), ['--config', config])),
  );
}, 90_000);
afterAll(async () => {
  for (const p of proxies) await p.kill();
  await mock?.close();
  await redis?.stop();
  dir.remove();
});

describe('fleet: a day cap shared by three proxies on one Redis', () => {
  it('holds within one request per proxy of its limit under concurrent load, and charges each request once', async () => {
    // One request sets the charge of every request (the mock answers each with the same usage).
    expect((await ask(proxies[0]!, 'probe')).status).toBe(200);
    const perRequest = (await settledCap(proxies[0]!)).used;
    expect(perRequest).toBeGreaterThan(OUTPUT_TOKENS);

    const stopAt = Date.now() + 30_000;
    let served = 1;
    const refusals: Array<{ code?: string; retryAfterMs?: number }> = [];
    const worker = async (p: ProxyProcess, agent: string) => {
      for (let i = 0; i < 500 && Date.now() < stopAt; i++) {
        const r = await ask(p, agent);
        if (r.status === 200) served++;
        else {
          expect(r.status).toBe(429);
          refusals.push(r);
          return;
        }
      }
    };
    await Promise.all(proxies.flatMap((p, i) => Array.from({ length: WORKERS_PER_PROXY }, (_, w) => worker(p, `agent-${i}-${w}`))));

    // Every worker ended on the cap, not on the time bound.
    expect(refusals).toHaveLength(PROXIES * WORKERS_PER_PROXY);
    const untilMidnight = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1) - Date.now();
    for (const r of refusals) {
      expect(r.code).toBe('budget_cap_reached');
      expect(r.retryAfterMs).toBeGreaterThan(untilMidnight - 30_000);
      expect(r.retryAfterMs).toBeLessThanOrEqual(untilMidnight + 1000);
    }

    const caps = await Promise.all(proxies.map(settledCap));
    const used = caps[0]!.used;
    // The same shared figure on every proxy, each admitted request charged exactly once.
    for (const c of caps) expect(c.used).toBe(used);
    expect(used).toBeCloseTo(served * perRequest, 6);
    // Reached, and overshot by at most one request per proxy.
    expect(used).toBeGreaterThanOrEqual(LIMIT);
    expect(served).toBeLessThanOrEqual(Math.ceil(LIMIT / perRequest) + PROXIES);

    // A further request on any proxy is refused; each proxy counted its own refusals.
    let blocks = 0;
    for (const p of proxies) {
      expect((await ask(p, 'late')).code).toBe('budget_cap_reached');
      blocks += metricSum(String((await admin(p, '/metrics')).body), 'token_ninja_cap_blocks_total', { scope: 'fleet' });
    }
    expect(blocks).toBe(refusals.length + PROXIES);
  }, 60_000);
});
