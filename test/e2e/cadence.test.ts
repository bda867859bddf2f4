import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

/** SSE events reach the client as the provider sends them, not batched: the mock spaces them 50 ms apart. */
const SPACING_MS = 50;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ behaviour: { chunkMs: SPACING_MS, chunks: 8, outputTokens: 16 } });
});
afterAll(async () => stack.close());

/** Arrival time of each complete SSE event, read off the socket as bytes come in. */
async function eventArrivals(url: string, body: unknown): Promise<number[]> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
  const times: number[] = [];
  let pending = '';
  for await (const chunk of res.body) {
    const at = performance.now();
    pending += (chunk as Buffer).toString('utf8');
    let end = pending.indexOf('\n\n');
    while (end !== -1) {
      times.push(at);
      pending = pending.slice(end + 2);
      end = pending.indexOf('\n\n');
    }
  }
  return times;
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

/** Most gaps near the spacing, tolerant of scheduler jitter on a shared machine. */
function expectSpaced(times: number[], minEvents: number): void {
  expect(times.length).toBeGreaterThanOrEqual(minEvents);
  const g = gaps(times);
  const spaced = g.filter((x) => x >= SPACING_MS * 0.6).length;
  expect(spaced / g.length, `gaps: ${g.map((x) => Math.round(x)).join(', ')}`).toBeGreaterThanOrEqual(0.75);
  // Batching would show up as the whole stream arriving in a short burst at the end.
  expect((times[times.length - 1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(SPACING_MS * (times.length - 1) * 0.6);
}

describe('streaming cadence through the proxy', () => {
  it('openai chat stream (include_usage injected and stripped on the way)', async () => {
    expectSpaced(await eventArrivals(`${stack.app.url}/agents/a1/v1/chat/completions`, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }), 10);
  });

  it('anthropic messages stream', async () => {
    expectSpaced(
      await eventArrivals(`${stack.app.url}/v1/messages`, { model: 'claude-haiku-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      10,
    );
  });

  it('openai responses stream', async () => {
    expectSpaced(await eventArrivals(`${stack.app.url}/v1/responses`, { model: 'gpt-4o-mini', input: 'hi', stream: true }), 8);
  });

  it('the openai SDK sees chunks spaced too', async () => {
    const client = new OpenAI({ baseURL: `${stack.app.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const times: number[] = [];
    for await (const _chunk of stream) times.push(performance.now());
    expectSpaced(times, 9);
  });
});
