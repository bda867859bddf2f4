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

  it('memory stays bounded by the limit while skipping a huge event', () => {
    const parser = new SseParser({ maxEventBytes: 1024 });
    parser.push(Buffer.from('data: '));
    for (let i = 0; i < 200; i++) parser.push(Buffer.alloc(1000, 0x61));
    const items = parser.push(Buffer.from('\n\ndata: ok\n\n'));
    expect(parser.oversizedEvents()).toBe(1);
    expect(events(items).map((e) => e.data)).toEqual(['ok']);
  });
});
