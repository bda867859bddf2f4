import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

const TICK_SECONDS = 2;
const TOKENS_PER_MINUTE = 12_000;
const POOL = (TOKENS_PER_MINUTE * TICK_SECONDS) / 60;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { tokensPerMinute: TOKENS_PER_MINUTE, reallocateSeconds: TICK_SECONDS } });
}, 30_000);
afterAll(async () => {
  await stack?.close();
});

describe('newcomers are paid from the pool (DESIGN §8)', () => {
  it('an agent inventing a fresh id for every request admits no more than the pool rate allows', async () => {
    const started = Date.now();
    const stopAt = started + 5_000;
    let ok = 0;
    let refused = 0;
    let maxBurst = 0;
    const worker = async (w: number) => {
      for (let i = 0; i < 2_000 && Date.now() < stopAt; i++) {
        const client = new OpenAI({ baseURL: `${stack.app.url}/agents/rot-${w}-${i}/v1`, apiKey: 'sk-test', maxRetries: 0 });
        try {
          await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: `hello ${w} ${i}` }] });
          ok++;
        } catch (err) {
          expect(err).toBeInstanceOf(OpenAI.RateLimitError);
          refused++;
        }
        maxBurst = Math.max(maxBurst, stack.app.reallocator.current?.burst.capacity ?? 0);
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
    const elapsedMs = Date.now() - started;

    let admitted = 0;
    let maxRequest = 0;
    for (const line of stack.logs) {
      const tokens = line.tokens as { charged: number } | undefined;
      if (line.msg !== 'request' || line.status !== 200 || tokens === undefined || !String(line.agent).startsWith('rot-')) continue;
      admitted += tokens.charged;
      maxRequest = Math.max(maxRequest, tokens.charged);
    }
    const bound = (TOKENS_PER_MINUTE * elapsedMs) / 60_000 + POOL + maxBurst + maxRequest;
    console.info(`rotation: ${ok} admitted, ${refused} refused, ${admitted} tokens in ${elapsedMs} ms; bound ${bound.toFixed(0)}`);
    // The traffic asked for far more than the pool, so the bound was really tested.
    expect(refused).toBeGreaterThan(ok);
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThanOrEqual(bound);
    expect(stack.app.admission.stats().newAgents).toBe(ok + refused);
  }, 30_000);
});
