import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentView, CapsView, TeamsView } from '../../src/admin/backend.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { tempDir } from '../store/temp-dir.js';
import { startStack, type Stack } from './harness.js';
import { until } from './ports.js';

const ADMIN_TOKEN = 'cost-admin-token';
const dir = tempDir('agent-cost');
afterAll(() => dir.remove());

async function adminJson<B>(stack: Stack, path: string): Promise<B> {
  const res = await fetch(`${stack.app.adminUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as B;
}

/** One chat completion as `agent` through the official SDK. */
function ask(stack: Stack, agent: string) {
  return new OpenAI({ baseURL: `${stack.app.url}/agents/${agent}/v1`, apiKey: 'sk-test', maxRetries: 0 }).chat.completions.create({
    model: 'gpt-4o-mini',
    max_tokens: 64,
    messages: [{ role: 'user', content: `${agent}: summarise the incident report in two sentences.` }],
  });
}

async function metric(stack: Stack, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${stack.app.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The cost metric of one agent once `requests` of its requests are counted in it (the SDK can return before the proxy settles). */
async function settledCost(stack: Stack, agent: string, requests: number): Promise<number> {
  const series = `token_ninja_cost_usd_total{agent="${agent}",team="core",model="gpt-4o-mini"}`;
  await until(`${agent}'s ${requests} requests are settled`, () => stack.logs.filter((l) => l.msg === 'request' && l.agent === agent).length >= requests);
  await until(`${series} is exported`, async () => (await metric(stack, series)) !== undefined);
  return (await metric(stack, series)) ?? Number.NaN;
}

/**
 * Dollars per agent and team in the admin API (issue 15 item 6), with no caps and the budget in tokens: the
 * official OpenAI SDK through the proxy in front of the mock, the figures checked against the cost metric,
 * then read again by a restarted proxy on the same SQLite file.
 */
describe('GET /v1/agents/{id} cost and GET /v1/teams dollars', () => {
  let stack: Stack | undefined;
  let reopened: SqliteStore | undefined;
  afterAll(async () => {
    await stack?.close();
    await reopened?.close();
  });

  it('shows what each agent and team spent today and this month, the same after a restart', async () => {
    const file = `${dir.path}/cost.db`;
    const config = { adminToken: ADMIN_TOKEN, logLevel: 'info' as const, teams: { core: { agents: ['planner', 'coder'] } } };
    const store = SqliteStore.open(file);
    stack = await startStack({ config, store, behaviour: { outputTokens: 40 } });
    stack.app.admission.applyAllocations({ allocations: { planner: 1e9, coder: 1e9 } });
    for (const agent of ['planner', 'planner', 'coder']) expect((await ask(stack, agent)).usage?.completion_tokens).toBe(40);

    const planner = await settledCost(stack, 'planner', 2);
    const coder = await settledCost(stack, 'coder', 1);
    expect(planner).toBeGreaterThan(0);
    const view = await adminJson<AgentView>(stack, '/v1/agents/planner');
    expect(view.spend).toBeUndefined(); // no caps configured
    expect(view.cost.usdToday).toBeCloseTo(planner, 12);
    expect(view.cost.usdThisMonth).toBeCloseTo(planner, 12);
    await stack.app.reallocator.reallocate();
    const core = (await adminJson<TeamsView>(stack, '/v1/teams')).teams.find((t) => t.team === 'core');
    expect(core?.usdToday).toBeCloseTo(planner + coder, 12);
    expect(core?.usdThisMonth).toBeCloseTo(planner + coder, 12);

    // The figures are the store's: a new process on the same file reads them before serving anything.
    await stack.close();
    stack = undefined;
    await store.close();
    reopened = SqliteStore.open(file);
    stack = await startStack({ config, store: reopened });
    const again = await adminJson<AgentView>(stack, '/v1/agents/planner');
    expect(again.cost.usdToday).toBeCloseTo(planner, 12);
    expect(await metric(stack, 'token_ninja_cost_usd_total{agent="planner",team="core",model="gpt-4o-mini"}')).toBeUndefined();
  });
});

describe('spend against caps in a dollar budget', () => {
  let stack: Stack | undefined;
  afterAll(async () => stack?.close());

  it('reports caps and spend in usd, spend and cost the same dollars', async () => {
    stack = await startStack({
      config: { adminToken: ADMIN_TOKEN, logLevel: 'info', unit: 'usd', usdPerMinute: 100, teams: { core: { agents: ['planner'] } }, caps: [{ scope: 'team:core', period: 'day', limit: 50, action: 'alert' }] },
      behaviour: { outputTokens: 40 },
    });
    stack.app.admission.applyAllocations({ allocations: { planner: 1e3 } });
    await ask(stack, 'planner');
    const cost = await settledCost(stack, 'planner', 1);
    let caps: CapsView | undefined;
    await until('the cap has settled the request', async () => {
      caps = await adminJson<CapsView>(stack!, '/v1/caps');
      return caps.caps[0]?.reserved === 0 && caps.caps[0].used > 0;
    });
    if (caps === undefined) throw new Error('no caps read');
    expect(caps.unit).toBe('usd');
    expect(caps.caps[0]).toMatchObject({ scope: 'team:core', limit: 50 });
    expect(caps.caps[0]?.used).toBeCloseTo(cost, 12);
    const view = await adminJson<AgentView>(stack, '/v1/agents/planner');
    expect(view.spend?.unit).toBe('usd');
    expect(view.spend?.today).toBeCloseTo(view.cost.usdToday, 12);
  });
});

describe('dollars per agent in a fleet: two proxies on one Redis', () => {
  let redis: RedisServer | undefined;
  const stacks: Stack[] = [];
  const stores: RedisStore[] = [];
  afterAll(async () => {
    for (const s of stacks) await s.close();
    for (const s of stores) await s.close();
    await redis?.stop();
  });

  it('one proxy serves the agent, the other shows the same cost', async () => {
    redis = await startRedisServer();
    const config = { adminToken: ADMIN_TOKEN, logLevel: 'info' as const, teams: { core: { agents: ['planner'] } } };
    const prefix = `cost-${Date.now()}:`;
    for (let i = 0; i < 2; i++) {
      stores.push(await RedisStore.connect(redis.url, { keyPrefix: prefix }));
      stacks.push(await startStack({ config, store: stores[i] }));
    }
    const [serving, other] = stacks as [Stack, Stack];
    serving.app.admission.applyAllocations({ allocations: { planner: 1e9 } });
    await ask(serving, 'planner');
    const cost = await settledCost(serving, 'planner', 1);
    expect(cost).toBeGreaterThan(0);
    // The other proxy saw no request of it: its figure comes from Redis, written within a flush interval.
    await until('the other proxy shows the cost', async () => Math.abs((await adminJson<AgentView>(other, '/v1/agents/planner')).cost.usdToday - cost) < 1e-12);
    expect(await metric(other, 'token_ninja_cost_usd_total{agent="planner",team="core",model="gpt-4o-mini"}')).toBeUndefined();
  });
});
