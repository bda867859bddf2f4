import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

/** Sends one chat request as `agent`, then reports a task outcome for it. */
async function work(stack: Stack, agent: string, quality: number, i: number): Promise<number> {
  const r = await request(`${stack.app.url}/agents/${agent}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 150, messages: [{ role: 'user', content: `task ${i}: summarise the incident report` }] }),
  });
  await r.body.text();
  if (r.statusCode === 200) {
    const t = await request(`${stack.app.url}/token-ninja/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-ninja-agent': agent },
      body: JSON.stringify({ task: `${agent}-${i}`, completed: true, quality }),
    });
    expect(t.statusCode).toBe(202);
    await t.body.text();
  }
  return r.statusCode;
}

describe('reallocation end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      config: {
        tokensPerMinute: 60_000,
        reallocateSeconds: 1,
        calibration: { minTasks: 2, minTokens: 100, minSeconds: 0 },
        queue: { maxWaitMs: 200, maxDepth: 1000 },
        logLevel: 'warn',
      },
      behaviour: { outputTokens: 120 },
    });
  });
  afterAll(async () => stack.close());

  it('moves tokens toward the agent reporting completed, high-quality tasks within a few ticks', async () => {
    const until = Date.now() + 5000;
    const loop = async (agent: string, quality: number) => {
      for (let i = 0; Date.now() < until; i++) await work(stack, agent, quality, i);
    };
    await Promise.all([loop('diligent', 1), loop('diligent', 1), loop('sloppy', 0.1), loop('sloppy', 0.1)]);
    const table = await stack.app.reallocator.reallocate();
    const diligent = table?.agents.find((a) => a.agent === 'diligent');
    const sloppy = table?.agents.find((a) => a.agent === 'sloppy');
    expect(diligent?.calibrating).toBe(false);
    expect(sloppy?.calibrating).toBe(false);
    expect(diligent!.score).toBeGreaterThan(sloppy!.score);
    expect(diligent!.allocation).toBeGreaterThan(sloppy!.allocation * 1.5);
    // And the admin API serves the same table with its explanation.
    const res = await request(`${stack.app.adminUrl}/v1/agents/diligent`);
    const view = (await res.body.json()) as { current: { allocation: number }; explanation: { boundBy: string } };
    expect(res.statusCode).toBe(200);
    expect(view.current.allocation).toBe(diligent!.allocation);
    expect(view.explanation.boundBy).toBe(diligent!.boundBy);
  });
});
