import { describe, expect, it } from 'vitest';
import { removeTopLevelNullMember } from '../../src/providers/openai/strip-usage.js';

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
  it('leaves a non-null usage alone', () => {
    expect(removeTopLevelNullMember('{"usage":{"prompt_tokens":1}}', 'usage')).toBeUndefined();
  });
});
