import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamMeter } from '../../src/providers/adapter.js';
import { AnthropicStreamMeter } from '../../src/providers/anthropic/stream-meter.js';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream-meter.js';
import { fixture, runMeter, splitAt } from './fixture-io.js';

const CASES: Array<[string, () => StreamMeter]> = [
  ['openai-chat-include-usage.sse', () => new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: true })],
  ['openai-chat-include-usage-crlf.sse', () => new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: true })],
  ['openai-chat-include-usage.sse', () => new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: false })],
  ['openai-chat-malformed.sse', () => new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: true })],
  ['openai-chat-tools-include-usage.sse', () => new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'o4-mini', injectedUsage: true })],
  ['openai-responses.sse', () => new OpenAIStreamMeter({ route: '/v1/responses', model: 'gpt-4.1', injectedUsage: false })],
  ['anthropic-messages.sse', () => new AnthropicStreamMeter()],
  ['anthropic-cut.sse', () => new AnthropicStreamMeter()],
];

describe('any split of a transcript into chunks', () => {
  it.each(CASES)('%s: identical usage, client bytes, streamed output and malformed count', (name, make) => {
    const bytes = fixture(name);
    const ref = make();
    const refOut = runMeter(ref, [bytes]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
        const m = make();
        const out = runMeter(m, splitAt(bytes, cuts));
        expect(Buffer.compare(Buffer.from(out), Buffer.from(refOut))).toBe(0);
        expect(m.usage()).toEqual(ref.usage());
        expect(m.streamedOutputTokens()).toBe(ref.streamedOutputTokens());
        expect(m.malformedEvents()).toBe(ref.malformedEvents());
      }),
      { numRuns: 150 },
    );
  });

  it('byte-at-a-time feeding gives the same result', () => {
    const bytes = fixture('openai-chat-include-usage-crlf.sse');
    const m = new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: true });
    const out = runMeter(m, Array.from(bytes, (_b, i) => bytes.subarray(i, i + 1)));
    expect(Buffer.from(out).toString()).toBe(Buffer.from(fixture('openai-chat.sse')).toString().replaceAll('\n', '\r\n'));
    expect(m.usage().inputTokens).toBe(19);
  });
});
