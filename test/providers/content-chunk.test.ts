import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { contentChunkHead, contentChunkText } from '../../src/providers/openai/content-chunk.js';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream-meter.js';
import { jsonStringEnd, jsonStringValue, jsonUintEnd } from '../../src/providers/sse/json-scan.js';
import { countText } from '../../src/tokens/encoding.js';

const HEAD = '{"id":"chatcmpl-BkQ3","object":"chat.completion.chunk","created":1750339117,"model":"gpt-4o-mini","system_fingerprint":"fp_34","choices":';
const roleChunk = (usage: boolean): string => `${HEAD}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]${usage ? ',"usage":null' : ''}}`;
const contentChunk = (content: string, usage: boolean): string =>
  `${HEAD}[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]${usage ? ',"usage":null' : ''}}`;
const usageChunk = `${HEAD}[],"usage":{"prompt_tokens":19,"completion_tokens":7,"total_tokens":26}}`;

/** JSON.parse's verdict on a text, as the meter reads it: the content of a usage-free one-choice content chunk. */
function parsedContent(data: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  const o = v as { choices?: Array<{ delta?: Record<string, unknown>; text?: unknown }>; usage?: unknown };
  if (o.usage !== undefined && o.usage !== null) return undefined;
  if (!Array.isArray(o.choices) || o.choices.length !== 1) return undefined;
  const delta = o.choices[0]?.delta ?? {};
  if (Object.keys(delta).join() !== 'content' || o.choices[0]?.text !== undefined) return undefined;
  return typeof delta.content === 'string' ? delta.content : undefined;
}

const jsonish = fc.constantFrom('"', '\\', 'u', '0', 'a', 'F', '/', 'n', '\n', '\t', '\u0001', '\u007f', 'é', '\ud83d', '\ude00', ' ', '}', ']', ',', ':');

describe('JSON scan pieces', () => {
  it('a string is accepted, and decoded, exactly when JSON.parse accepts it', () => {
    fc.assert(
      fc.property(fc.array(jsonish, { maxLength: 12 }), (chars) => {
        const text = `"${chars.join('')}"`;
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          expected = undefined;
        }
        const end = jsonStringEnd(text, 0);
        if (typeof expected === 'string') {
          expect(end).toBe(text.length);
          expect(jsonStringValue(text, 0, end)).toBe(expected);
        } else {
          expect(end).not.toBe(text.length);
        }
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const text = JSON.stringify(s);
        expect(jsonStringValue(text, 0, jsonStringEnd(text, 0))).toBe(s);
      }),
    );
  });

  it('integers: JSON form only', () => {
    expect(jsonUintEnd('0,', 0)).toBe(1);
    expect(jsonUintEnd('12,', 0)).toBe(2);
    expect(jsonUintEnd('-1', 0)).toBe(-1);
    expect(jsonUintEnd('01', 0)).toBe(1); // then "1" is not the literal that follows: no match
  });
});

describe('content chunks read without JSON.parse', () => {
  const head = contentChunkHead(roleChunk(true), JSON.parse(roleChunk(true)) as Record<string, unknown>) as string;

  it('learns the head from a parsed chunk, and refuses heads it cannot vouch for', () => {
    expect(head).toBe(`${HEAD}[{"index":`);
    const nested = '{"x":{"a":1,"choices":2},"choices":[]}';
    expect(contentChunkHead(nested, JSON.parse(nested) as Record<string, unknown>)).toBeUndefined();
    const usageFirst = '{"usage":null,"id":"x","choices":[]}';
    expect(contentChunkHead(usageFirst, JSON.parse(usageFirst) as Record<string, unknown>)).toBeUndefined();
  });

  it('whatever the text, a match is a chunk JSON.parse reads the same (random edits of real chunks)', () => {
    const edit = fc.record({ at: fc.nat(), cut: fc.integer({ min: 0, max: 3 }), insert: fc.array(jsonish, { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.boolean(), fc.array(edit, { maxLength: 3 }), (content, usage, edits) => {
        let data = contentChunk(content, usage);
        for (const e of edits) {
          const at = e.at % (data.length + 1);
          data = data.slice(0, at) + e.insert.join('') + data.slice(at + e.cut);
        }
        const fast = contentChunkText(data, head);
        if (fast !== undefined) expect(fast).toBe(parsedContent(data));
        if (edits.length === 0) expect(fast).toBe(content);
      }),
      { numRuns: 5000 },
    );
  });

  it('a metered stream parses only the chunks that are not plain content, with the same usage, text and client bytes', () => {
    const contents = ['Bon', 'jour', ' "à"', ' tous\\', '\u2028', ' 😀', '\n'];
    const events = [roleChunk(true), ...contents.map((c) => contentChunk(c, true)), usageChunk].map((d) => `data: ${d}\n\n`);
    const stream = Buffer.from(events.join('') + 'data: [DONE]\n\n');
    const parse = vi.spyOn(JSON, 'parse');
    let out: string;
    const meter = new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: true });
    try {
      out = Buffer.concat([meter.push(stream), meter.end()]).toString();
    } finally {
      parse.mockRestore();
    }
    // Role chunk, the head's check, the usage chunk (before: one per event, 9); and each content with an
    // escape is decoded by a JSON.parse of that string alone (3 of them).
    expect(parse.mock.calls.length).toBeLessThanOrEqual(3 + 3);
    expect(meter.usage()).toMatchObject({ inputTokens: 19, outputTokens: 7 });
    expect(meter.streamedOutputTokens()).toBe(countText(contents.join(''), 'o200k_base'));
    const expected = [roleChunk(false), ...contents.map((c) => contentChunk(c, false))].map((d) => `data: ${d}\n\n`).join('') + 'data: [DONE]\n\n';
    expect(out).toBe(expected);
    expect(meter.malformedEvents()).toBe(0);
  });

  it('the usage:null cut from the end applies to one-line events only; others are cut where the member is', () => {
    const withComment = `data: ${contentChunk('hi', true)}\n: note ,"usage":null}\n\n`;
    const withField = `event: chunk\ndata: ${contentChunk('hi', true)}\n\n`;
    const stream = Buffer.from(`data: ${roleChunk(true)}\n\n${withComment}${withField}data: ${contentChunk('ok', true)}\r\n\r\n`);
    const meter = new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: true });
    const out = Buffer.concat([meter.push(stream), meter.end()]).toString();
    const expected =
      `data: ${roleChunk(false)}\n\n` +
      `data: ${contentChunk('hi', false)}\n: note ,"usage":null}\n\n` +
      `event: chunk\ndata: ${contentChunk('hi', false)}\n\n` +
      `data: ${contentChunk('ok', false)}\r\n\r\n`;
    expect(out).toBe(expected);
  });

  it('a chunk shaped like content but not valid JSON is still counted malformed and forwarded untouched', () => {
    const bad = `${HEAD}[{"index":0,"delta":{"content":"tab\there"},"logprobs":null,"finish_reason":null}],"usage":null}`;
    const stream = Buffer.from([roleChunk(true), bad, usageChunk].map((d) => `data: ${d}\n\n`).join(''));
    const meter = new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: true });
    const out = Buffer.concat([meter.push(stream), meter.end()]).toString();
    expect(meter.malformedEvents()).toBe(1);
    expect(out).toContain(`data: ${bad}\n\n`);
  });
});
