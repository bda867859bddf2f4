import { describe, expect, it } from 'vitest';
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countText, encodingForModel } from '../../src/tokens/encoding.js';

// Reference vectors. Sources: tiktoken's tests/test_encoding.py (test_simple, test_simple_regex) for cl100k_base;
// OpenAI Cookbook "How to count tokens with tiktoken" §2 and §5 (encode / compare_encodings outputs) for both.
const CL100K: Array<[string, number[]]> = [
  ['hello world', [15339, 1917]],
  ['rer', [38149]],
  ["'rer", [2351, 81]],
  ['today\n ', [31213, 198, 220]],
  ['today\n \n', [31213, 27907]],
  ['tiktoken is great!', [83, 1609, 5963, 374, 2294, 0]],
  ['antidisestablishmentarianism', [519, 85342, 34500, 479, 8997, 2191]],
  ['2 + 2 = 4', [17, 489, 220, 17, 284, 220, 19]],
  ['お誕生日おめでとう', [33334, 45918, 243, 21990, 9080, 33334, 62004, 16556, 78699]],
];
const O200K: Array<[string, number[]]> = [
  ['tiktoken is great!', [83, 8251, 2488, 382, 2212, 0]],
  ['antidisestablishmentarianism', [493, 129901, 376, 160388, 21203, 2367]],
  ['2 + 2 = 4', [17, 659, 220, 17, 314, 220, 19]],
  ['お誕生日おめでとう', [8930, 9697, 243, 128225, 8930, 17693, 4344, 48669]],
];

describe('encodings', () => {
  it.each(CL100K)('cl100k_base %j', (text, ids) => {
    expect(encodeCl100k(text)).toEqual(ids);
    expect(countText(text, 'cl100k_base')).toBe(ids.length);
  });
  it.each(O200K)('o200k_base %j', (text, ids) => {
    expect(encodeO200k(text)).toEqual(ids);
    expect(countText(text, 'o200k_base')).toBe(ids.length);
  });

  it('counts special-token text as plain text instead of throwing', () => {
    expect(countText('a <|endoftext|> b', 'cl100k_base')).toBeGreaterThan(3);
  });

  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['gpt-4.1-nano', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['o1-preview', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['o4-mini', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo-2024-04-09', 'cl100k_base'],
    ['gpt-3.5-turbo-0125', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
    ['ft:gpt-4o-mini:acme::abc', 'o200k_base'],
    ['some-future-model', 'o200k_base'],
  ])('%s uses %s', (model, enc) => {
    expect(encodingForModel(model)).toBe(enc);
  });
});
