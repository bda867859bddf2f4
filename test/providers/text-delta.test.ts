import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { AnthropicStreamMeter } from '../../src/providers/anthropic/stream-meter.js';
import { contentBlockDeltaText } from '../../src/providers/anthropic/text-delta.js';
import { ANTHROPIC_ENCODING, countText } from '../../src/tokens/encoding.js';
import { fixture, runMeter } from './fixture-io.js';

const textDelta = (text: string): string => JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
const jsonDelta = (part: string): string => JSON.stringify({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: part } });

/** What the meter reads from a text with JSON.parse: the delta's text, for a content_block_delta of one of the two shapes. */
function parsedText(data: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  const o = v as { type?: unknown; delta?: Record<string, unknown> };
  if (o.type !== 'content_block_delta' || typeof o.delta !== 'object' || o.delta === null) return undefined;
  const keys = Object.keys(o.delta).join();
  if (keys === 'type,text' && o.delta.type === 'text_delta') return o.delta.text as string;
  if (keys === 'type,partial_json' && o.delta.type === 'input_json_delta') return o.delta.partial_json as string;
  return undefined;
}

const jsonish = fc.constantFrom('"', '\\', 'u', '0', '1', 'a', '/', '\n', '\u0001', 'é', '\ud83d', ' ', '}', ',', ':', '{');

describe('Anthropic text deltas read without JSON.parse', () => {
  it('whatever the text, a match is an event JSON.parse reads the same (random edits of real events)', () => {
    const edit = fc.record({ at: fc.nat(), cut: fc.integer({ min: 0, max: 3 }), insert: fc.array(jsonish, { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.boolean(), fc.array(edit, { maxLength: 3 }), (text, json, edits) => {
        let data = json ? jsonDelta(text) : textDelta(text);
        for (const e of edits) {
          const at = e.at % (data.length + 1);
          data = data.slice(0, at) + e.insert.join('') + data.slice(at + e.cut);
        }
        const fast = contentBlockDeltaText(data);
        if (fast !== undefined) expect(fast).toBe(parsedText(data));
        if (edits.length === 0) expect(fast).toBe(text);
      }),
      { numRuns: 5000 },
    );
  });

  it('the recorded transcript: usage and streamed text as before, with JSON.parse only for the events that are not deltas', () => {
    const bytes = fixture('anthropic-messages.sse');
    const events = Buffer.from(bytes).toString().split('\n\n').filter((e) => e.includes('data:'));
    const deltas = events.filter((e) => e.includes('"content_block_delta"')).length;
    const parse = vi.spyOn(JSON, 'parse');
    const meter = new AnthropicStreamMeter();
    try {
      runMeter(meter, [bytes]);
    } finally {
      parse.mockRestore();
    }
    expect(deltas).toBeGreaterThan(2);
    // Before: one JSON.parse per event.
    expect(parse.mock.calls.length).toBeLessThanOrEqual(events.length - deltas);
    const texts = events.flatMap((e) => {
      const v = JSON.parse(e.slice(e.indexOf('data:') + 5)) as { type: string; delta?: Record<string, unknown>; content_block?: Record<string, unknown> };
      if (v.type === 'content_block_delta') return ['text', 'partial_json', 'thinking'].map((k) => v.delta?.[k]).filter((t): t is string => typeof t === 'string');
      if (v.type === 'content_block_start') return ['name', 'text'].map((k) => v.content_block?.[k]).filter((t): t is string => typeof t === 'string');
      return [];
    });
    expect(meter.streamedOutputTokens()).toBe(countText(texts.join(''), ANTHROPIC_ENCODING));
    expect(meter.completed()).toBe(true);
    expect(meter.malformedEvents()).toBe(0);
  });
});
