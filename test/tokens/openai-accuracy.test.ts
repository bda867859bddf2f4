import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CountCache } from '../../src/tokens/count-cache.js';
import { countChatRequest } from '../../src/tokens/openai-input.js';

interface Fixture {
  chat: { messages: unknown[]; published_prompt_tokens: Record<string, number> };
  tools: { tools: unknown[]; messages: unknown[]; published_prompt_tokens: Record<string, number> };
}
// Published prompt_tokens from OpenAI's cookbook "How to count tokens with tiktoken" (see the fixture's `source`).
const fx = JSON.parse(readFileSync(new URL('./fixtures/openai-cookbook.json', import.meta.url), 'utf8')) as Fixture;

describe('chat estimate against published prompt_tokens', () => {
  it.each(Object.entries(fx.chat.published_prompt_tokens))('%s: exactly %i', (model, published) => {
    const c = countChatRequest({ model, messages: fx.chat.messages }, new CountCache());
    expect(c.inputTokens).toBe(published);
  });

  // The cookbook's formula reproduces these exactly (a 2% tolerance here would be implied by the equality).
  it.each(Object.entries(fx.tools.published_prompt_tokens))('with tools, %s: exactly %i', (model, published) => {
    const c = countChatRequest({ model, messages: fx.tools.messages, tools: fx.tools.tools }, new CountCache());
    expect(c.inputTokens).toBe(published);
  });

  it('legacy functions count like tools', () => {
    const functions = fx.tools.tools.map((t) => (t as { function: unknown }).function);
    const a = countChatRequest({ model: 'gpt-4o', messages: fx.tools.messages, functions }, new CountCache());
    expect(a.inputTokens).toBe(101);
  });

  it('a cached count equals a fresh one, and the cache makes turn N count only its new message', () => {
    const cache = new CountCache();
    const msgs = fx.chat.messages;
    const first = countChatRequest({ model: 'gpt-4o', messages: msgs.slice(0, 5) }, cache);
    const before = cache.stats();
    const second = countChatRequest({ model: 'gpt-4o', messages: msgs }, cache);
    const after = cache.stats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(5);
    expect(second.inputTokens).toBe(124);
    expect(first.inputTokens).toBeLessThan(124);
  });

  it('cache keys ignore key order but not content', () => {
    const cache = new CountCache();
    const a = countChatRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi there' }] }, cache);
    const b = countChatRequest({ model: 'gpt-4o', messages: [{ content: 'hi there', role: 'user' }] }, cache);
    const c = countChatRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi there, friend' }] }, cache);
    expect(b.inputTokens).toBe(a.inputTokens);
    expect(c.inputTokens).toBeGreaterThan(a.inputTokens);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2 });
  });
});
