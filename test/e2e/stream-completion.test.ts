import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countText } from '../../src/tokens/encoding.js';
import { startStack, type Stack } from './harness.js';
import { postJson } from './http.js';

/**
 * A stream is metered from the provider's usage only when the provider said it completed. A stream that ends
 * cleanly without its completion event (the mock's `stream_error` fault: an in-stream error event, no
 * message_stop / [DONE] / response.completed) is charged as estimated, and teaches the proxy nothing.
 */
interface TokensLine {
  input: number;
  output: number;
  charged: number;
  source: string;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ behaviour: { chunks: 4, outputTokens: 12 } });
});
afterAll(async () => stack.close());

const FAULT = { headers: { 'x-mock-behaviour': 'fault=stream_error,resetAfterChunks=2' } };
const prompt = [{ role: 'user' as const, content: 'Tell me about token budgets.' }];

/** The request log line of `agent`'s only request, once the proxy has written it. */
async function tokensOf(agent: string): Promise<TokensLine> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = stack.logs.find((l) => l.msg === 'request' && l.agent === agent);
    if (line !== undefined) return line.tokens as TokensLine;
    if (Date.now() > deadline) throw new Error(`no request line for ${agent}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function anthropicFor(agent: string): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${stack.app.url}/agents/${agent}`, maxRetries: 0 });
}

function openaiFor(agent: string): OpenAI {
  return new OpenAI({ apiKey: 'sk-test', baseURL: `${stack.app.url}/agents/${agent}/v1`, maxRetries: 0 });
}

/** What admission would reserve now for `agent` (the recent-output estimate and calibration show here). */
async function estimateFor(agent: string, route: string, body: object): Promise<{ inputTokens: number; outputTokens: number }> {
  const reply = await postJson(`${stack.app.url}/token-ninja/v1/estimate`, { route, body }, { 'x-token-ninja-agent': agent });
  expect(reply.status).toBe(200);
  return JSON.parse(reply.body.toString()) as { inputTokens: number; outputTokens: number };
}

/** Streams one Anthropic message through the proxy; returns the text the client received. */
async function anthropicStream(agent: string, model: string, fault: boolean): Promise<string> {
  const stream = anthropicFor(agent).messages.stream({ model, max_tokens: 64, messages: prompt }, fault ? FAULT : {});
  let text = '';
  stream.on('text', (t) => (text += t));
  if (fault) await expect(stream.finalMessage()).rejects.toMatchObject({ error: { error: { type: 'overloaded_error' } } });
  else await stream.finalMessage();
  return text;
}

describe('Anthropic: an error event after message_start', () => {
  it('is estimated: the streamed text is charged as output, not message_start’s placeholder of 1', async () => {
    const text = await anthropicStream('a-error', 'claude-haiku-4-5', true);
    const counted = countText(text, 'o200k_base');
    expect(counted).toBeGreaterThan(1);
    const tokens = await tokensOf('a-error');
    expect(tokens.source).toBe('estimated');
    expect(tokens.output).toBe(counted);
    expect(tokens.charged).toBe(tokens.input + counted);

    await anthropicStream('a-complete', 'claude-haiku-4-5', false);
    expect(await tokensOf('a-complete')).toMatchObject({ source: 'provider', output: 12, input: tokens.input });
  });

  it('feeds neither the agent’s recent-output estimate nor the estimator’s calibration', async () => {
    // A model of its own: calibration is per model and process-wide.
    const model = 'claude-calibration-probe';
    const probe = { model, messages: prompt };
    const before = await estimateFor('a-learn', '/v1/messages', probe);
    await anthropicStream('a-learn', model, true);
    await tokensOf('a-learn');
    // Nothing learnt: no recent output (the configured default stays) and the same input estimate.
    expect(await estimateFor('a-learn', '/v1/messages', probe)).toEqual(before);

    // The same request completed does teach both, so the check above can tell.
    await anthropicStream('a-learn-ok', model, false);
    await tokensOf('a-learn-ok');
    const after = await estimateFor('a-learn-ok', '/v1/messages', probe);
    expect(after.outputTokens).toBe(12);
    expect(after.inputTokens).not.toBe(before.inputTokens);
  });
});

describe('OpenAI: streams that end without their completion event', () => {
  it('chat/completions cut before the usage chunk and [DONE] is estimated from the streamed deltas', async () => {
    const stream = await openaiFor('o-chat').chat.completions.create({ model: 'gpt-4o-mini', messages: prompt, stream: true }, FAULT);
    let text = '';
    const read = async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    };
    await expect(read()).rejects.toThrow();
    const tokens = await tokensOf('o-chat');
    expect(tokens.source).toBe('estimated');
    expect(tokens.output).toBe(countText(text, 'o200k_base'));
    expect(tokens.charged).toBe(tokens.input + tokens.output);
  });

  it('Responses ending in an error event is estimated; a complete one is the provider’s', async () => {
    const client = openaiFor('o-resp');
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'Tell me about token budgets.', stream: true }, FAULT);
    let text = '';
    const types: string[] = [];
    // The SDK hands the error event over as an event, not a throw.
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_text.delta') text += ev.delta;
    }
    expect(types.at(-1)).toBe('error');
    const tokens = await tokensOf('o-resp');
    expect(tokens.source).toBe('estimated');
    expect(tokens.output).toBe(countText(text, 'o200k_base'));

    const ok = await openaiFor('o-resp-ok').responses.create({ model: 'gpt-4o-mini', input: 'Tell me about token budgets.', stream: true });
    for await (const ev of ok) void ev;
    expect(await tokensOf('o-resp-ok')).toMatchObject({ source: 'provider', output: 12 });
  });
});
