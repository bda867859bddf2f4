import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeamsView } from '../../src/admin/backend.js';
import type { AllocationTable } from '../../src/allocation/types.js';
import { startStack, type Stack } from './harness.js';

const ADMIN_TOKEN = 'teams-admin-token';
const RESEARCH = ['res-1', 'res-2'];
const PRODUCT = ['prod-1', 'prod-2'];
/** Bounds of the load: per loop, and for the whole run. */
const MAX_REQUESTS_PER_LOOP = 60;
const RUN_MS = 4000;

/** Pool less the burst and newcomer reserves: what the teams split. */
const teamable = (t: AllocationTable) => t.pool - t.burst.reserve - t.newcomers.reserve;
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** Two teams (DESIGN §9) through the real proxy: a strict one with a fixed share, and one that gets the rest. */
describe('teams end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      config: {
        tokensPerMinute: 60_000,
        reallocateSeconds: 1,
        adminToken: ADMIN_TOKEN,
        // Scored from the first token consumed: an agent throttled to one request is still scored, not calibrating.
        calibration: { minTasks: 0, minTokens: 1, minSeconds: 0 },
        queue: { maxWaitMs: 100, maxDepth: 1000 },
        teams: { research: { agents: ['res-*'], share: 0.3, strict: true }, product: { agents: ['prod-?'] } },
        logLevel: 'warn',
      },
      behaviour: { outputTokens: 80 },
    });
  });
  afterAll(async () => stack.close());

  /** One agent's loop through the official SDK: requests until the run ends, a task report after each success. */
  async function hammer(agent: string, until: number): Promise<number> {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${stack.app.url}/agents/${agent}/v1`, maxRetries: 0 });
    let served = 0;
    for (let i = 0; i < MAX_REQUESTS_PER_LOOP && Date.now() < until; i++) {
      try {
        await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 80, messages: [{ role: 'user', content: `task ${i}: draft the release notes` }] });
        served += 1;
        const report = await fetch(`${stack.app.url}/token-ninja/v1/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-token-ninja-agent': agent },
          body: JSON.stringify({ task: `${agent}-${i}`, completed: true, quality: 1 }),
        });
        expect(report.status).toBe(202);
      } catch (err) {
        // Over budget: the SDK surfaces the proxy's 429; anything else is a failure. Pace the next attempt a
        // little, as a client backing off would, so refusals do not use up the loop before a tick funds it.
        if (!(err instanceof OpenAI.RateLimitError)) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return served;
  }

  it("keeps the strict team within its share, gives the other team the rest, and shows teams in the admin API and metrics", async () => {
    const until = Date.now() + RUN_MS;
    const served = await Promise.all([...RESEARCH, ...PRODUCT].flatMap((agent) => [hammer(agent, until), hammer(agent, until)]));
    expect(sum(served)).toBeGreaterThan(0);

    const table = await stack.app.reallocator.reallocate();
    if (table === undefined) throw new Error('no table');
    const rows = (team: string) => table.agents.filter((a) => a.team === team);
    expect(rows('research').map((a) => a.agent)).toEqual(RESEARCH);
    expect(rows('product').map((a) => a.agent)).toEqual(PRODUCT);
    for (const a of table.agents) expect(a.calibrating).toBe(false);
    const research = table.teams.find((t) => t.team === 'research');
    const product = table.teams.find((t) => t.team === 'product');
    // Strict, with a fixed share: its part is 30% of what the teams split, and its agents stay within it.
    expect(research?.part).toBeCloseTo(0.3 * teamable(table), 6);
    expect(sum(rows('research').map((a) => a.allocation))).toBeLessThanOrEqual((research?.part ?? 0) * (1 + 1e-9));
    // Both teams ask for far more than the pool: the other team gets the rest.
    expect(product?.part).toBeCloseTo(0.7 * teamable(table), 6);
    expect(sum(rows('product').map((a) => a.allocation))).toBeCloseTo(0.7 * teamable(table), 6);

    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await fetch(`${stack.app.adminUrl}/v1/teams`)).status).toBe(401);
    const teamsRes = await fetch(`${stack.app.adminUrl}/v1/teams`, { headers: auth });
    expect(teamsRes.status).toBe(200);
    const view = (await teamsRes.json()) as TeamsView;
    expect(view.teams.map((t) => [t.team, t.agents, t.strict, t.share])).toEqual([
      ['default', [], false, null],
      ['product', PRODUCT, false, null],
      ['research', RESEARCH, true, 0.3],
    ]);
    const researchView = view.teams.find((t) => t.team === 'research');
    expect(researchView?.patterns).toEqual(['res-*']);
    expect(researchView?.allocation).toBeLessThanOrEqual((researchView?.part ?? 0) * (1 + 1e-9));
    expect(researchView?.demand).toBeGreaterThan(researchView?.part ?? Infinity);

    const allocations = (await (await fetch(`${stack.app.adminUrl}/v1/allocations`, { headers: auth })).json()) as { agents: { agent: string; team: string }[] };
    expect(Object.fromEntries(allocations.agents.map((a) => [a.agent, a.team]))).toEqual({ 'prod-1': 'product', 'prod-2': 'product', 'res-1': 'research', 'res-2': 'research' });
    const agentView = (await (await fetch(`${stack.app.adminUrl}/v1/agents/res-1`, { headers: auth })).json()) as { team: string; explanation: { inputs: Record<string, unknown> } };
    expect(agentView.team).toBe('research');
    expect(agentView.explanation.inputs.team).toBe('research');

    const metrics = await (await fetch(`${stack.app.adminUrl}/metrics`)).text();
    for (const agent of RESEARCH) expect(metrics).toMatch(new RegExp(`^token_ninja_allocation_tokens\\{agent="${agent}",team="research"\\} `, 'm'));
    for (const agent of PRODUCT) expect(metrics).toMatch(new RegExp(`^token_ninja_requests_total\\{agent="${agent}",team="product",route="/v1/chat/completions",outcome="forwarded"\\} `, 'm'));
  });
});
