/** Prices as the book or a config override states them: USD per million tokens; a kind left out falls back (see `resolvePrice`). */
export interface PriceRates {
  input?: number;
  output?: number;
  /** Input tokens read from the provider's prompt cache. */
  cachedInput?: number;
  /** Anthropic cache writes with the 5-minute TTL. */
  cacheWrite5m?: number;
  /** Anthropic cache writes with the 1-hour TTL. */
  cacheWrite1h?: number;
  /** Reasoning tokens, where a model prices them apart from the rest of its output. */
  reasoning?: number;
}

/** Every token kind's price, USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  reasoning: number;
}

/** A model's price and whether the book (or config) knows the model; an unknown one is charged the default. */
export type PricedModel = Readonly<ModelPrice & { priced: boolean }>;

/**
 * The price of a model that no entry names, before config `prices.default`: a current flagship's list price,
 * so an unknown model is neither free nor absurdly dear.
 */
export const DEFAULT_RATES: Readonly<PriceRates> = Object.freeze({ input: 5, output: 25 });

/**
 * Every kind priced: a kind without its own price costs what the tokens it is made of cost — cached input and
 * cache writes the input price (no discount or surcharge assumed), 1 h writes the 5 min write price, reasoning
 * the output price (as OpenAI and Anthropic bill it).
 */
export function resolvePrice(rates: PriceRates, fallback: PriceRates = DEFAULT_RATES): ModelPrice {
  const input = rates.input ?? fallback.input ?? 0;
  const output = rates.output ?? fallback.output ?? 0;
  const cacheWrite5m = rates.cacheWrite5m ?? input;
  return {
    input,
    output,
    cachedInput: rates.cachedInput ?? input,
    cacheWrite5m,
    cacheWrite1h: rates.cacheWrite1h ?? cacheWrite5m,
    reasoning: rates.reasoning ?? output,
  };
}
