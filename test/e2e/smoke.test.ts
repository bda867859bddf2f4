import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

describe('smoke', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack.close());

  it('openai json and stream', async () => {
    const client = new OpenAI({ baseURL: `${stack.app.url}/agents/planner/v1`, apiKey: 'sk-test' });
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] });
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
    const s = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello there' }] });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    const a = new Anthropic({ baseURL: `${stack.app.url}/agents/writer`, apiKey: 'k' });
    const m = await a.messages.create({ model: 'claude-test-model', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(m.usage.input_tokens).toBeGreaterThan(0);
    console.log(JSON.stringify(stack.logs.filter((l) => l.msg === 'request'), null, 1));
  });
});
