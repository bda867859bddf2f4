import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { AllocationsView, TeamsView } from '../../src/admin/backend.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { nameAgents, startStack, type Stack } from './harness.js';
import { json, raw } from './http.js';

/**
 * Budgets in dollars (DESIGN §9) through the real proxy: two agents alike but for their model, one on
 * gpt-4o, one on gpt-4o-mini (about 17× cheaper a token in the price book). In `usd` both get the same
 * dollars, so the small model's agent is served about 17× the tokens; in `tokens` both get the same tokens.
 */

const BIG = 'gpt-4o';
const SMALL = 'gpt-4o-mini';
/** Bounds of the load: per loop, and for the whole run. */
const MAX_REQUESTS_PER_LOOP = 300;
const RUN_MS = 3000;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface Served {
  tokens: number;
  limitTokens: number[];
  allocationHeaders: string[];
}

/** One agent's loop through the official SDK until the run ends: tokens served, and the budget headers seen. */
async function hammer(s: Stack, agent: string, model: string, until: number): Promise<Served> {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${s.app.url}/agents/${agent}/v1`, maxRetries: 0 });
  const served: Served = { tokens: 0, limitTokens: [], allocationHeaders: [] };
  for (let i = 0; i < MAX_REQUESTS_PER_LOOP && Date.now() < until; i++) {
    try {
      const { data, response } = await client.chat.completions
        .create({ model, max_tokens: 100, messages: [{ role: 'user', content: `task ${i}: summarise the incident` }] })
        .withResponse();
      served.tokens += data.usage?.total_tokens ?? 0;
      served.limitTokens.push(Number(response.headers.get('x-ratelimit-limit-tokens')));
      served.allocationHeaders.push(response.headers.get('x-token-ninja-allocation') ?? '');
    } catch (err) {
      // Over budget: the SDK surfaces the proxy's 429; anything else is a failure. A short pause, as a client
      // backing off would, so refusals do not use up the loop before the run ends.
      if (!(err instanceof OpenAI.RateLimitError)) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return served;
}

async function run(config: Partial<ConfigInput>): Promise<{ big: Served; small: Served; view: AllocationsView }> {
  stack = await startStack({
    config: { reallocateSeconds: 1, queue: { maxWaitMs: 50, maxDepth: 1000 }, logLevel: 'warn', ...config },
    behaviour: { outputTokens: 100 },
  });
  await nameAgents(stack.app, ['big', 'small']);
  const until = Date.now() + RUN_MS;
  const loops = await Promise.all([hammer(stack, 'big', BIG, until), hammer(stack, 'big', BIG, until), hammer(stack, 'small', SMALL, until), hammer(stack, 'small', SMALL, until)]);
  const merge = (a: Served, b: Served): Served => ({ tokens: a.tokens + b.tokens, limitTokens: [...a.limitTokens, ...b.limitTokens], allocationHeaders: [...a.allocationHeaders, ...b.allocationHeaders] });
  const [b1, b2, s1, s2] = loops as [Served, Served, Served, Served];
  const view = json(await raw(`${stack.app.adminUrl}/v1/allocations`)) as AllocationsView;
  return { big: merge(b1, b2), small: merge(s1, s2), view };
}

describe('budgets in dollars, end to end', () => {
  it('usd: equal dollars, so the agent on the cheaper model is served many times the tokens; headers in dollars and in its tokens', async () => {
    // Both in one team with a fixed part in dollars (a team's rate is in the budget's unit).
    const { big, small, view } = await run({ usdPerMinute: 0.25, teams: { pair: { agents: ['big', 'small'], usdPerMinute: 0.2 } } });
    expect(view.unit).toBe('usd');
    expect(view.agents.filter((a) => a.agent === 'big' || a.agent === 'small').map((a) => a.team)).toEqual(['pair', 'pair']);
    const teams = json(await raw(`${stack?.app.adminUrl ?? ''}/v1/teams`)) as TeamsView;
    const pair = teams.teams.find((t) => t.team === 'pair');
    expect(pair).toMatchObject({ usdPerMinute: 0.2, tokensPerMinute: null, share: null });
    expect(pair?.part).toBeGreaterThan(0);
    expect(view.pool).toBeCloseTo(0.25 / 60, 9);
    const rows = view.agents.filter((a) => a.agent === 'big' || a.agent === 'small');
    expect(rows).toHaveLength(2);
    // Alike but for the model (both still calibrating): the same dollars each.
    expect(rows[0]?.allocation).toBeCloseTo(rows[1]?.allocation ?? NaN, 12);
    expect(big.tokens).toBeGreaterThan(0);
    const ratio = small.tokens / big.tokens;
    expect(ratio).toBeGreaterThan(6);
    expect(ratio).toBeLessThan(40);
    // x-token-ninja-allocation is dollars; x-ratelimit-limit-tokens is tokens of each request's own model.
    expect(small.allocationHeaders.every((h) => /^0\.\d+$/.test(h))).toBe(true);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    expect(median(small.limitTokens) / median(big.limitTokens)).toBeGreaterThan(10);
  });

  it('tokens: the same two agents get about the same tokens, whatever their model costs', async () => {
    // About the tokens the dollar pool above buys at the fleet's mix.
    const { big, small, view } = await run({ tokensPerMinute: 30_000 });
    expect(view.unit).toBe('tokens');
    expect(big.tokens).toBeGreaterThan(0);
    const ratio = small.tokens / big.tokens;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
