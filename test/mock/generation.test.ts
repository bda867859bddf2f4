import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BEHAVIOUR } from '../../src/mock/behaviour.js';
import { planGeneration } from '../../src/mock/generation.js';
import { approximateTokenCount, promptTokens } from '../../src/mock/prompt-tokens.js';

describe('planGeneration', () => {
  it('splits the text into chunks that join back to it, never more chunks than tokens', () => {
    fc.assert(
      fc.property(fc.nat(300), fc.nat(50), fc.nat(50), fc.option(fc.nat(400), { nil: undefined }), (out, reasoning, chunks, max) => {
        const gen = planGeneration({ ...DEFAULT_BEHAVIOUR, outputTokens: out, reasoningTokens: reasoning, chunks }, max);
        expect(gen.chunks.join('')).toBe(gen.text);
        expect(gen.chunks.length).toBe(Math.min(Math.max(chunks, 1), gen.textTokens));
        expect(gen.outputTokens).toBe(gen.textTokens + gen.reasoningTokens);
        expect(gen.outputTokens).toBe(max === undefined ? out + reasoning : Math.min(out + reasoning, max));
        expect(gen.truncated).toBe(gen.outputTokens < out + reasoning);
        for (const chunk of gen.chunks) expect(chunk.length).toBeGreaterThan(0);
      }),
    );
  });

  it('generates one vocabulary word per token', () => {
    const gen = planGeneration({ ...DEFAULT_BEHAVIOUR, outputTokens: 4, chunks: 2 }, undefined);
    expect(gen.text).toBe('Hello from the mock');
    expect(gen.chunks).toEqual(['Hello from', ' the mock']);
  });
});

describe('prompt token counts', () => {
  it('are deterministic and grow with the prompt', () => {
    const body = (text: string) => ({ messages: [{ role: 'user', content: text }] });
    const short = promptTokens('/v1/chat/completions', body('Hello there'), approximateTokenCount);
    const long = promptTokens('/v1/chat/completions', body('Hello there, general Kenobi. You are a bold one.'), approximateTokenCount);
    expect(short).toBe(promptTokens('/v1/chat/completions', body('Hello there'), approximateTokenCount));
    // 3 priming + 3 per message + "Hello", " there"
    expect(short).toBe(8);
    expect(long).toBeGreaterThan(short);
  });

  it('count each route’s prompt fields', () => {
    const one = () => 1;
    expect(promptTokens('/v1/completions', { prompt: ['a', 'b'] }, one)).toBe(2);
    expect(promptTokens('/v1/embeddings', { input: [[1, 2, 3], 'x'] }, one)).toBe(4);
    expect(promptTokens('/v1/embeddings', { input: [1, 2, 3] }, one)).toBe(3);
    expect(promptTokens('/v1/responses', { input: 'x', instructions: 'y' }, one)).toBe(5);
    expect(promptTokens('/v1/messages', { system: 's', messages: [{ role: 'user', content: [{ type: 'text', text: 't' }] }] }, one)).toBe(8);
  });
});
