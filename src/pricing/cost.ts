import { tokenCount, type UsageReport } from '../domain/usage-report.js';
import type { ModelPrice } from './model-price.js';

/** A request's cost in USD, by token kind; the kinds add up to `total`. */
export interface CostBreakdown {
  /** Input neither read from nor written to the cache. */
  input: number;
  cachedInput: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  /** Output other than reasoning. */
  output: number;
  reasoning: number;
  total: number;
}

const PER_MILLION = 1e6;

/**
 * What a request costs from its normalised usage, each token kind at its own price, every token once.
 * A UsageReport's inputTokens already include the cached and cache-written tokens (OpenAI's prompt_tokens
 * include cached_tokens; Anthropic's input_tokens exclude both, and the provider adapter adds them back), so
 * the plain input is what is left of inputTokens after those two; likewise reasoning is part of outputTokens.
 * Cache writes without a TTL split are 5-minute writes, Anthropic's default. Pure.
 */
export function costOf(usage: UsageReport, price: ModelPrice): CostBreakdown {
  const input = tokenCount(usage.inputTokens);
  const cached = Math.min(input, tokenCount(usage.cachedInputTokens));
  const reportedWrites = usage.cacheCreationInputTokens ?? tokenCount(usage.cacheCreation5mInputTokens) + tokenCount(usage.cacheCreation1hInputTokens);
  const writes = Math.min(input - cached, tokenCount(reportedWrites));
  const writes1h = Math.min(writes, tokenCount(usage.cacheCreation1hInputTokens));
  const output = tokenCount(usage.outputTokens);
  const reasoning = Math.min(output, tokenCount(usage.reasoningTokens));
  const cost: CostBreakdown = {
    input: ((input - cached - writes) * price.input) / PER_MILLION,
    cachedInput: (cached * price.cachedInput) / PER_MILLION,
    cacheWrite5m: ((writes - writes1h) * price.cacheWrite5m) / PER_MILLION,
    cacheWrite1h: (writes1h * price.cacheWrite1h) / PER_MILLION,
    output: ((output - reasoning) * price.output) / PER_MILLION,
    reasoning: (reasoning * price.reasoning) / PER_MILLION,
    total: 0,
  };
  cost.total = cost.input + cost.cachedInput + cost.cacheWrite5m + cost.cacheWrite1h + cost.output + cost.reasoning;
  return cost;
}
