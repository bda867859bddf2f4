import { describe, expect, it } from 'vitest';
import { modelNameCandidates } from '../../src/pricing/model-name.js';
import { DEFAULT_RATES } from '../../src/pricing/model-price.js';
import { SHIPPED_PRICE_BOOK } from '../../src/pricing/price-book-data.js';
import { createPriceBook } from '../../src/pricing/price-book.js';

describe('the shipped price book', () => {
  const entries = Object.entries(SHIPPED_PRICE_BOOK.models);

  it('is versioned, attributed to LiteLLM under MIT, and dates every entry', () => {
    expect(SHIPPED_PRICE_BOOK.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(SHIPPED_PRICE_BOOK.source).toMatch(/^LiteLLM model_prices_and_context_window\.json \(MIT\)/);
    expect(entries.length).toBeGreaterThan(50);
    for (const [name, e] of entries) {
      expect(name, 'names are lower case, as providers return them').toBe(name.toLowerCase());
      expect(e.date).toBe(SHIPPED_PRICE_BOOK.version);
      expect(e.source).toMatch(/^litellm/);
      for (const v of [e.input, e.output, e.cachedInput, e.cacheWrite5m, e.cacheWrite1h, e.reasoning]) {
        if (v !== undefined) expect(v).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('prices current OpenAI and Anthropic models at their list prices', () => {
    const book = createPriceBook();
    expect(book.priceOf('gpt-4o')).toMatchObject({ input: 2.5, output: 10, cachedInput: 1.25, priced: true });
    expect(book.priceOf('gpt-4o-mini')).toMatchObject({ input: 0.15, output: 0.6, cachedInput: 0.075 });
    expect(book.priceOf('claude-sonnet-4-5')).toMatchObject({ input: 3, output: 15, cachedInput: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 });
    expect(book.priceOf('text-embedding-3-large')).toMatchObject({ input: 0.13, output: 0 });
  });

  it('gives every Anthropic model 1 h writes at 2× input (LiteLLM lacks some and has the Claude 3 ones wrong)', () => {
    const claude = entries.filter(([name]) => name.startsWith('claude-'));
    expect(claude.length).toBeGreaterThan(5);
    for (const [name, e] of claude) expect(e.cacheWrite1h, name).toBeCloseTo(2 * e.input, 9);
    expect(SHIPPED_PRICE_BOOK.models['claude-3-haiku-20240307']).toMatchObject({ input: 0.25, cacheWrite5m: 0.3, cacheWrite1h: 0.5, cachedInput: 0.03 });
    expect(SHIPPED_PRICE_BOOK.models['claude-3-haiku-20240307']?.source).toMatch(/cacheWrite1h = 2 × input/);
  });
});

describe('model names', () => {
  it('are tried as given, then without provider prefix, -latest and date suffix', () => {
    expect(modelNameCandidates('gpt-4o')).toEqual(['gpt-4o']);
    expect(modelNameCandidates('GPT-4o-2024-08-06')).toEqual(['gpt-4o-2024-08-06', 'gpt-4o']);
    expect(modelNameCandidates('claude-sonnet-4-5-20250929')).toEqual(['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5']);
    expect(modelNameCandidates('openai/gpt-4.1-mini-2025-04-14')).toEqual(['openai/gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini']);
    expect(modelNameCandidates('claude-3-5-haiku-latest')).toEqual(['claude-3-5-haiku-latest', 'claude-3-5-haiku']);
  });

  it('a dated snapshot resolves to its family unless the book prices it apart; an exact entry wins', () => {
    const book = createPriceBook();
    expect(book.priceOf('gpt-4o-2024-08-06')).toEqual(book.priceOf('gpt-4o'));
    expect(book.priceOf('gpt-4o-2024-08-06').priced).toBe(true);
    expect(book.priceOf('claude-haiku-4-5-20251001')).toEqual(book.priceOf('claude-haiku-4-5'));
    expect(book.priceOf('anthropic/claude-opus-4-7')).toEqual(book.priceOf('claude-opus-4-7'));
    // gpt-4o's first snapshot had its own, higher price.
    expect(book.priceOf('gpt-4o-2024-05-13')).toMatchObject({ input: 5, output: 15 });
    // An exact -latest entry is not stripped to something else.
    expect(book.priceOf('chatgpt-4o-latest')).toMatchObject({ input: 5, output: 15, priced: true });
  });
});

describe('unpriced models and config overrides', () => {
  it('an unknown model is charged the default and says it is unpriced', () => {
    const book = createPriceBook();
    expect(book.priceOf('mystery-model')).toEqual({ input: 5, output: 25, cachedInput: 5, cacheWrite5m: 5, cacheWrite1h: 5, reasoning: 25, priced: false });
    expect(DEFAULT_RATES).toEqual({ input: 5, output: 25 });
    expect(createPriceBook({ default: { input: 1, output: 2 } }).priceOf('mystery-model')).toMatchObject({ input: 1, output: 2, priced: false });
  });

  it('an override replaces only the keys it sets, for the family and its snapshots', () => {
    const book = createPriceBook({ 'gpt-4o': { input: 2 }, 'GPT-4o-2024-11-20': { output: 8 } });
    expect(book.priceOf('gpt-4o')).toMatchObject({ input: 2, output: 10, cachedInput: 1.25, priced: true });
    expect(book.priceOf('gpt-4o-2024-08-06')).toMatchObject({ input: 2, output: 10 });
    // Applied on top of the overridden family, whatever the order in config.
    expect(book.priceOf('gpt-4o-2024-11-20')).toMatchObject({ input: 2, output: 8, cachedInput: 1.25 });
    expect(createPriceBook().priceOf('gpt-4o')).toMatchObject({ input: 2.5 });
  });

  it('an override adds a model: keys it leaves out come from the default', () => {
    const book = createPriceBook({ 'in-house-llm': { input: 0.5 }, default: { output: 3 } });
    expect(book.priceOf('in-house-llm')).toMatchObject({ input: 0.5, output: 3, cachedInput: 0.5, priced: true });
  });

  it('an override key set to undefined (as a parsed config may hold) keeps the book value', () => {
    const book = createPriceBook({ 'claude-opus-4-7': { input: undefined, cacheWrite1h: 9 } });
    expect(book.priceOf('claude-opus-4-7')).toMatchObject({ input: 5, cacheWrite5m: 6.25, cacheWrite1h: 9 });
  });
});

describe('estimates', () => {
  it('prices an admission estimate with no cache assumed', () => {
    // gpt-4o: 1000 × 2.50 + 500 × 10 = 7500 µ$.
    expect(createPriceBook().estimateCostUsd('gpt-4o', 1000, 500)).toBeCloseTo(0.0075, 12);
  });
});
