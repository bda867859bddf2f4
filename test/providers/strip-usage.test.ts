import { describe, expect, it } from 'vitest';
import { topLevelNullMember } from '../../src/providers/openai/strip-usage.js';

/** The text with the member's bytes cut, or undefined when there is none. */
function removeTopLevelNullMember(json: string, key: string): string | undefined {
  const bytes = Buffer.from(json);
  const cut = topLevelNullMember(bytes, Buffer.from(key));
  return cut === undefined ? undefined : Buffer.concat([bytes.subarray(0, cut[0]), bytes.subarray(cut[1])]).toString();
}

describe('removeTopLevelNullMember', () => {
  it('cuts the last member with its leading comma', () => {
    expect(removeTopLevelNullMember('{"a":1,"choices":[],"usage":null}', 'usage')).toBe('{"a":1,"choices":[]}');
  });
  it('cuts a middle member, keeping the next one', () => {
    expect(removeTopLevelNullMember('{"a":1,"usage":null,"obfuscation":"x"}', 'usage')).toBe('{"a":1,"obfuscation":"x"}');
  });
  it('cuts the first member with its trailing comma', () => {
    expect(removeTopLevelNullMember('{"usage":null,"a":1}', 'usage')).toBe('{"a":1}');
    expect(removeTopLevelNullMember('{ "usage" : null }', 'usage')).toBe('{  }');
  });
  it('ignores nested members and look-alikes inside strings', () => {
    const s = '{"choices":[{"delta":{"content":"\\"usage\\":null","usage":null}}],"x":"\\\\","usage":null}';
    expect(removeTopLevelNullMember(s, 'usage')).toBe('{"choices":[{"delta":{"content":"\\"usage\\":null","usage":null}}],"x":"\\\\"}');
    expect(removeTopLevelNullMember('{"choices":[{"usage":null}]}', 'usage')).toBeUndefined();
  });
  it('cuts bytes only, around multi-byte characters and within a range of a larger buffer', () => {
    expect(removeTopLevelNullMember('{"c":"é\\u00e9😀","usage":null}', 'usage')).toBe('{"c":"é\\u00e9😀"}');
    const line = Buffer.from('data: {"a":"ü","usage":null}\n\n');
    expect(topLevelNullMember(line, Buffer.from('usage'), 6, line.length - 2)).toEqual([line.indexOf(',"usage"'), line.length - 3]);
  });
  it('leaves a non-null usage alone', () => {
    expect(removeTopLevelNullMember('{"usage":{"prompt_tokens":1}}', 'usage')).toBeUndefined();
  });
});
