import { describe, expect, it } from 'vitest';
import { SseParser, type SseItem } from '../../src/providers/sse/parser.js';

function parseAll(chunks: string[], maxEventBytes?: number): { items: SseItem[]; parser: SseParser } {
  const parser = new SseParser({ maxEventBytes });
  const items: SseItem[] = [];
  for (const c of chunks) items.push(...parser.push(Buffer.from(c)));
  items.push(...parser.end());
  return { items, parser };
}

function events(items: SseItem[]): Array<{ event?: string; data?: string }> {
  return items.flatMap((i) => (i.kind === 'event' && i.data !== undefined ? [{ event: i.event, data: i.data }] : []));
}

function parseBytes(chunks: Uint8Array[]): { items: SseItem[]; parser: SseParser } {
  const parser = new SseParser({ maxEventBytes: 64 });
  const items: SseItem[] = [];
  for (const c of chunks) items.push(...parser.push(c));
  items.push(...parser.end());
  return { items, parser };
}

/** Parsed events as text, and one `skipped` per run of skipped bytes (a split may pass one event on in pieces). */
function described(items: SseItem[]): string[] {
  const out: string[] = [];
  for (const i of items) {
    if (i.kind === 'skipped') {
      if (out.at(-1) !== 'skipped') out.push('skipped');
    } else {
      out.push(`event:${i.event ?? ''} data:${i.data ?? '-'}${i.unterminated === true ? ' unterminated' : ''}`);
    }
  }
  return out;
}

function rawOf(items: SseItem[]): string {
  return Buffer.concat(items.map((i) => i.raw)).toString();
}

describe('SseParser', () => {
  it('handles LF, CRLF and CR line ends, comments and multi-line data', () => {
    const input = ': hello\n\nevent: a\ndata: 1\ndata:2\n\nevent: b\r\ndata: x\r\n\r\ndata: cr\r\rdata:  two spaces\n\n';
    const { items } = parseAll([input]);
    expect(events(items)).toEqual([
      { event: 'a', data: '1\n2' },
      { event: 'b', data: 'x' },
      { event: undefined, data: 'cr' },
      { event: undefined, data: ' two spaces' },
    ]);
    expect(rawOf(items)).toBe(input);
  });

  it('a CRLF split between chunks is one line end, not two', () => {
    const { items } = parseAll(['data: a\r', '\n\r', '\ndata: b\r\n\r\n']);
    expect(events(items).map((e) => e.data)).toEqual(['a', 'b']);
  });

  it('a field without colon, and a leading BOM', () => {
    const { items } = parseAll(['\uFEFFdata: first\n\ndata\n\n']);
    expect(events(items).map((e) => e.data)).toEqual(['first', '']);
  });

  it('multi-byte characters split across chunks decode intact', () => {
    const bytes = Buffer.from('data: 日本語🙂\n\n');
    const parser = new SseParser();
    const items = [...parser.push(bytes.subarray(0, 8)), ...parser.push(bytes.subarray(8, 13)), ...parser.push(bytes.subarray(13))];
    expect(events(items)[0]?.data).toBe('日本語🙂');
  });

  it('an unterminated last event is parsed at end and marked', () => {
    const { items } = parseAll(['data: {"a":1}\n\ndata: {"b":2}']);
    expect(events(items).map((e) => e.data)).toEqual(['{"a":1}', '{"b":2}']);
    const last = items[items.length - 1];
    expect(last?.kind === 'event' && last.unterminated).toBe(true);
  });

  it('an event over the size limit is passed on unparsed and counted; the next one parses', () => {
    const big = 'data: ' + 'x'.repeat(300) + '\n' + 'data: ' + 'y'.repeat(300) + '\n\n';
    const input = 'data: small\n\n' + big + 'data: after\n\n';
    const chunks = input.match(/[\s\S]{1,50}/g) ?? [];
    const { items, parser } = parseAll(chunks, 256);
    expect(parser.oversizedEvents()).toBe(1);
    expect(events(items).map((e) => e.data)).toEqual(['small', 'after']);
    expect(rawOf(items)).toBe(input);
  });

  it('keepRaw: false parses the same events without copying their bytes', () => {
    const input = 'event: a\ndata: 1\n\ndata: x\r\n\r\ndata: {"b":2}';
    const chunks = input.match(/[\s\S]{1,5}/g) ?? [];
    const kept = parseAll(chunks).items;
    const lean = new SseParser({ keepRaw: false });
    const items: SseItem[] = [];
    for (const c of chunks) items.push(...lean.push(Buffer.from(c)));
    items.push(...lean.end());
    expect(events(items)).toEqual(events(kept));
    expect(items.map((i) => i.kind === 'event' && i.unterminated === true)).toEqual(kept.map((i) => i.kind === 'event' && i.unterminated === true));
    expect(items.every((i) => i.raw.length === 0)).toBe(true);
  });

  it('a CR blank line ending an oversized event at a chunk boundary does not swallow the next event', () => {
    for (const eol of ['\r', '\r\n']) {
      const big = `data: ${'x'.repeat(100)}${eol}${eol}`;
      const input = `${big}data: next${eol}${eol}data: last${eol}${eol}`;
      // Cut right after the blank line's CR (for CRLF: between its CR and LF).
      const cut = big.length - eol.length + 1;
      const { items, parser } = parseAll([input.slice(0, cut), input.slice(cut)], 64);
      expect(parser.oversizedEvents(), JSON.stringify(eol)).toBe(1);
      expect(events(items).map((e) => e.data), JSON.stringify(eol)).toEqual(['next', 'last']);
      expect(rawOf(items)).toBe(input);
    }
  });

  it('every split into up to three chunks parses like one chunk: CR, LF, CRLF, multi-byte text, oversized events', () => {
    const input = Buffer.from(
      ': c\r\rdata: é日🙂\r\ndata: two\r\n\r\n' + `data: ${'ü'.repeat(40)}\r\r` + 'event: e\ndata: ok\n\n' + `data: ${'y'.repeat(70)}\r\n\r\n` + 'data: end\r',
    );
    const single = parseBytes([input]);
    expect(single.parser.oversizedEvents()).toBe(2);
    expect(described(single.items)).toContain('event:e data:ok');
    const want = described(single.items).join('|');
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b++) {
        const split = parseBytes([input.subarray(0, a), input.subarray(a, b), input.subarray(b)]);
        const got = described(split.items).join('|');
        // Assert only on a mismatch: tens of thousands of splits, and the failure names its cuts.
        if (got !== want) expect(got, `cuts ${a},${b}`).toBe(want);
        if (!Buffer.concat(split.items.map((i) => i.raw)).equals(input)) expect.fail(`cuts ${a},${b}: bytes not passed on exactly once`);
        if (split.parser.oversizedEvents() !== 2) expect.fail(`cuts ${a},${b}: ${split.parser.oversizedEvents()} oversized events`);
      }
    }
  });

  it('memory stays bounded by the limit while skipping a huge event', () => {
    const parser = new SseParser({ maxEventBytes: 1024 });
    parser.push(Buffer.from('data: '));
    for (let i = 0; i < 200; i++) parser.push(Buffer.alloc(1000, 0x61));
    const items = parser.push(Buffer.from('\n\ndata: ok\n\n'));
    expect(parser.oversizedEvents()).toBe(1);
    expect(events(items).map((e) => e.data)).toEqual(['ok']);
  });
});
