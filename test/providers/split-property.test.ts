import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamMeter } from '../../src/providers/adapter.js';
import { AnthropicStreamMeter } from '../../src/providers/anthropic/stream-meter.js';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream-meter.js';
import { SseParser, type SseItem } from '../../src/providers/sse/parser.js';
import { fixture, runMeter, splitAt } from './fixture-io.js';

/** Every recorded transcript, so a new fixture is covered the day it is added. */
const FIXTURES = readdirSync(new URL('./fixtures/', import.meta.url))
  .filter((name) => name.endsWith('.sse'))
  .sort();

/** The meters that read a transcript, by its name. */
function metersFor(name: string): Array<[string, () => StreamMeter]> {
  if (name.startsWith('anthropic-')) return [['anthropic', () => new AnthropicStreamMeter()]];
  if (name.startsWith('openai-responses')) {
    return [['responses', () => new OpenAIStreamMeter({ route: '/v1/responses', model: 'gpt-4.1', injectedUsage: false })]];
  }
  if (name.startsWith('openai-chat')) {
    return [true, false].map((injectedUsage) => [
      `chat, injected usage ${String(injectedUsage)}`,
      () => new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage }),
    ]);
  }
  throw new Error(`no meter known for fixture ${name}: add it here`);
}

/** The transcript as recorded, and with every line end rewritten to CRLF and to CR (latin1 keeps the bytes). */
function variants(bytes: Uint8Array): Array<[string, Uint8Array]> {
  const text = Buffer.from(bytes).toString('latin1');
  const lf = text.replace(/\r\n|\r/g, '\n');
  return [
    ['as recorded', bytes],
    ['CRLF', Buffer.from(lf.replaceAll('\n', '\r\n'), 'latin1')],
    ['CR', Buffer.from(lf.replaceAll('\n', '\r'), 'latin1')],
  ];
}

/** Offsets worth cutting at: after each CR (between CR and LF) and inside each multi-byte UTF-8 character. */
function trickyOffsets(bytes: Uint8Array): number[] {
  const out = [0];
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (bytes[i - 1] === 0x0d || (b & 0xc0) === 0x80) out.push(i);
  }
  return out;
}

function cutsFor(bytes: Uint8Array): fc.Arbitrary<number[]> {
  const offset = fc.oneof(fc.integer({ min: 0, max: bytes.length }), fc.constantFrom(...trickyOffsets(bytes)));
  return fc.array(offset, { maxLength: 40 });
}

/** Parsed events as text, one `skipped` per run of skipped bytes (a split may pass one event on in pieces). */
function parsedEvents(chunks: Uint8Array[], maxEventBytes?: number): { events: string[]; raw: Buffer } {
  const parser = new SseParser({ maxEventBytes });
  const items: SseItem[] = [];
  for (const c of chunks) items.push(...parser.push(c));
  items.push(...parser.end());
  const events: string[] = [];
  for (const i of items) {
    if (i.kind === 'skipped') {
      if (events.at(-1) !== 'skipped') events.push('skipped');
    } else {
      events.push(JSON.stringify([i.event, i.data, i.unterminated === true]));
    }
  }
  return { events, raw: Buffer.concat(items.map((i) => i.raw)) };
}

function meterResult(meter: StreamMeter, chunks: Uint8Array[]) {
  const out = Buffer.from(runMeter(meter, chunks));
  return {
    out,
    usage: meter.usage(),
    completed: meter.completed(),
    streamed: meter.streamedOutputTokens(),
    malformed: meter.malformedEvents(),
  };
}

const CASES = FIXTURES.flatMap((name) => variants(fixture(name)).map(([variant, bytes]) => ({ name, variant, bytes })));

describe('any split of any recorded transcript (as recorded, CRLF, CR)', () => {
  it('covers every fixture', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(9);
  });

  it.each(CASES)('$name ($variant): the parser yields the same events and passes every byte on once', ({ bytes }) => {
    // A small size limit too, so events are passed on unparsed and the skipping path meets every cut.
    for (const maxEventBytes of [undefined, 160]) {
      const ref = parsedEvents([bytes], maxEventBytes);
      expect(ref.raw.equals(Buffer.from(bytes))).toBe(true);
      fc.assert(
        fc.property(cutsFor(bytes), (cuts) => {
          const got = parsedEvents(splitAt(bytes, cuts), maxEventBytes);
          expect(got.events).toEqual(ref.events);
          expect(got.raw.equals(ref.raw)).toBe(true);
        }),
        { numRuns: 50 },
      );
    }
  });

  it.each(CASES)('$name ($variant): every meter reports the same usage, completion, client bytes and counts', ({ name, bytes }) => {
    for (const [meterName, make] of metersFor(name)) {
      const ref = meterResult(make(), [bytes]);
      // Line ends do not change what the provider said.
      const recorded = meterResult(make(), [fixture(name)]);
      expect(ref.usage, meterName).toEqual(recorded.usage);
      expect(ref.completed, meterName).toBe(recorded.completed);
      const byteAtATime = meterResult(make(), Array.from(bytes, (_b, i) => bytes.subarray(i, i + 1)));
      expect(byteAtATime, `${meterName}, byte at a time`).toEqual(ref);
      fc.assert(
        fc.property(cutsFor(bytes), (cuts) => {
          expect(meterResult(make(), splitAt(bytes, cuts)), meterName).toEqual(ref);
        }),
        { numRuns: 12 },
      );
    }
  });

  it('byte-at-a-time feeding of the CRLF transcript strips the injected usage exactly', () => {
    const bytes = fixture('openai-chat-include-usage-crlf.sse');
    const m = new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: true });
    const out = runMeter(m, Array.from(bytes, (_b, i) => bytes.subarray(i, i + 1)));
    expect(Buffer.from(out).toString()).toBe(Buffer.from(fixture('openai-chat.sse')).toString().replaceAll('\n', '\r\n'));
    expect(m.usage().inputTokens).toBe(19);
  });
});
