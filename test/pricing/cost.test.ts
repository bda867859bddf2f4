import { describe, expect, it } from 'vitest';
import { costOf } from '../../src/pricing/cost.js';
import { resolvePrice } from '../../src/pricing/model-price.js';
import { createPriceBook } from '../../src/pricing/price-book.js';
import { anthropicUsageFromJson } from '../../src/providers/anthropic/usage.js';
import { openAIUsage } from '../../src/providers/openai/usage.js';

// Golden tests: provider-shaped usage → the provider's own parser → dollars computed by hand from the
// book's list prices (USD per million tokens). The parsers are in the loop on purpose: the classic
// tracker bug is adding cache tokens that the normalised input already holds.
const book = createPriceBook();
const usd = (n: number): number => Number(n.toFixed(12));

describe('OpenAI: cached tokens are a subset of prompt tokens, reasoning a subset of completion tokens', () => {
  it('prompt caching: the cached part of the prompt at the cached price, the rest at the input price', () => {
    // The usage example of OpenAI's prompt-caching guide (platform.openai.com/docs/guides/prompt-caching).
    const usage = openAIUsage({
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(usage).toBeDefined();
    // gpt-4o: $2.50 input, $1.25 cached input, $10 output per million.
    // 86 × 2.50 + 1920 × 1.25 + 300 × 10 = 215 + 2400 + 3000 = 5615 µ$.
    const cost = book.costBreakdown('gpt-4o', usage ?? {});
    expect(usd(cost.input)).toBe(0.000215);
    expect(usd(cost.cachedInput)).toBe(0.0024);
    expect(usd(cost.output)).toBe(0.003);
    expect(usd(cost.total)).toBe(0.005615);
  });

  it('reasoning tokens are output tokens, billed once at the output price', () => {
    // The Responses API usage example of OpenAI's reasoning guide (platform.openai.com/docs/guides/reasoning).
    const usage = openAIUsage({
      input_tokens: 75,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 1186,
      output_tokens_details: { reasoning_tokens: 1024 },
      total_tokens: 1261,
    });
    // o3: $2 input, $8 output. 75 × 2 + (162 + 1024) × 8 = 150 + 1296 + 8192 = 9638 µ$.
    const cost = book.costBreakdown('o3', usage ?? {});
    expect(usd(cost.input)).toBe(0.00015);
    expect(usd(cost.output)).toBe(0.001296);
    expect(usd(cost.reasoning)).toBe(0.008192);
    expect(usd(cost.total)).toBe(0.009638);
  });

  it('a model that prices reasoning apart bills its reasoning tokens at that price instead', () => {
    const price = resolvePrice({ input: 1, output: 4, reasoning: 2 });
    // 1000 × 1 + 500 × 4 + 1500 × 2 = 1000 + 2000 + 3000 µ$.
    expect(usd(costOf({ inputTokens: 1000, outputTokens: 2000, reasoningTokens: 1500 }, price).total)).toBe(0.006);
  });

  it('embeddings: input only', () => {
    // text-embedding-3-small: $0.02 per million. 8 × 0.02 = 0.16 µ$.
    expect(usd(book.costUsd('text-embedding-3-small', openAIUsage({ prompt_tokens: 8, total_tokens: 8 }) ?? {}))).toBe(0.00000016);
  });
});

describe('Anthropic: input_tokens excludes cache reads and writes; writes at 1.25× (5 min) or 2× (1 h), reads at 0.1× input', () => {
  it('a reply with reads and both TTLs of writes: every token once, each at its own price', () => {
    // Usage fields as Anthropic's prompt-caching docs show them (docs.anthropic.com/en/docs/build-with-claude/prompt-caching):
    // total input = cache_read_input_tokens + cache_creation_input_tokens + input_tokens.
    const usage = anthropicUsageFromJson({
      usage: {
        input_tokens: 2048,
        cache_creation_input_tokens: 248,
        cache_read_input_tokens: 1800,
        cache_creation: { ephemeral_5m_input_tokens: 48, ephemeral_1h_input_tokens: 200 },
        output_tokens: 503,
      },
    });
    // claude-sonnet-4-5: $3 input, $3.75 5 min write, $6 1 h write, $0.30 read, $15 output.
    // 2048 × 3 + 48 × 3.75 + 200 × 6 + 1800 × 0.30 + 503 × 15 = 6144 + 180 + 1200 + 540 + 7545 = 15609 µ$.
    const cost = book.costBreakdown('claude-sonnet-4-5-20250929', usage ?? {});
    expect(usd(cost.input)).toBe(0.006144);
    expect(usd(cost.cacheWrite5m)).toBe(0.00018);
    expect(usd(cost.cacheWrite1h)).toBe(0.0012);
    expect(usd(cost.cachedInput)).toBe(0.00054);
    expect(usd(cost.output)).toBe(0.007545);
    expect(usd(cost.total)).toBe(0.015609);
  });

  it('a million tokens of each kind on Claude Opus 4.7 ($5 input): writes $6.25 and $10, reads $0.50', () => {
    const million = 1_000_000;
    const kinds = (fields: Record<string, unknown>) => book.costUsd('claude-opus-4-7', anthropicUsageFromJson({ usage: { output_tokens: 0, ...fields } }) ?? {});
    expect(usd(kinds({ input_tokens: million }))).toBe(5);
    expect(usd(kinds({ input_tokens: 0, cache_creation_input_tokens: million, cache_creation: { ephemeral_5m_input_tokens: million, ephemeral_1h_input_tokens: 0 } }))).toBe(6.25);
    expect(usd(kinds({ input_tokens: 0, cache_creation_input_tokens: million, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: million } }))).toBe(10);
    expect(usd(kinds({ input_tokens: 0, cache_read_input_tokens: million }))).toBe(0.5);
  });

  it('cache writes without a TTL split are 5-minute writes (Anthropic\'s default TTL)', () => {
    const usage = anthropicUsageFromJson({ usage: { input_tokens: 50, cache_creation_input_tokens: 20, cache_read_input_tokens: 1000, output_tokens: 12 } });
    // claude-haiku-4-5: $1 input, $1.25 write, $0.10 read, $5 output. 50 + 20 × 1.25 + 1000 × 0.1 + 12 × 5 = 50 + 25 + 100 + 60 µ$.
    expect(usd(book.costUsd('claude-haiku-4-5', usage ?? {}))).toBe(0.000235);
  });

  it('a stream cut before message_delta is priced from what message_start reported', () => {
    // input_tokens 10 + 30 written (5 min) at claude-sonnet-4-6 ($3, $3.75, $15): 30 + 112.5 + 1 × 15 µ$.
    const usage = anthropicUsageFromJson({ usage: { input_tokens: 10, cache_creation_input_tokens: 30, output_tokens: 1 } });
    expect(usd(book.costUsd('claude-sonnet-4-6', usage ?? {}))).toBe(0.0001575);
  });
});

describe('cost arithmetic guards', () => {
  const price = resolvePrice({ input: 1, output: 2, cachedInput: 0.5, cacheWrite5m: 1.25, cacheWrite1h: 2 });

  it('subsets larger than their total are capped, never priced twice or negative', () => {
    // 100 input of which "150" cached: all 100 cached. 10 output of which "20" reasoning: 10 reasoning.
    const cost = costOf({ inputTokens: 100, cachedInputTokens: 150, cacheCreationInputTokens: 50, outputTokens: 10, reasoningTokens: 20 }, price);
    expect(cost.input).toBe(0);
    expect(usd(cost.cachedInput)).toBe(0.00005);
    expect(cost.cacheWrite5m).toBe(0);
    expect(cost.output).toBe(0);
    expect(usd(cost.reasoning)).toBe(0.00002);
  });

  it('missing, negative and non-finite counts cost nothing', () => {
    expect(costOf({}, price).total).toBe(0);
    expect(costOf({ inputTokens: -5, outputTokens: Number.NaN }, price).total).toBe(0);
  });
});
