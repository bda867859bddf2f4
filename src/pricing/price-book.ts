import type { UsageReport } from '../domain/usage-report.js';
import { costOf, type CostBreakdown } from './cost.js';
import { resolvePrice, type PricedModel, type PriceRates } from './model-price.js';
import { mergeRates, ratesFor, type PriceOverrides } from './overrides.js';
import { SHIPPED_PRICE_BOOK, type PriceBookData } from './price-book-data.js';

/** Resolved prices kept per model string; the strings come from clients, so the cache is dropped rather than grown past this. */
const MAX_CACHED_MODELS = 10_000;

/**
 * The prices in force: the shipped book with config `prices` applied. Answers per model (exact name, else its
 * family), and prices a request's usage. Lookups are cached per model string: it runs on every settled request.
 */
export class PriceBook {
  private readonly cache = new Map<string, PricedModel>();
  private unpriced: PricedModel;

  constructor(
    /** The book's version (the date its prices were read). */
    readonly version: string,
    /** Where the book's prices come from. */
    readonly source: string,
    private rates: ReadonlyMap<string, PriceRates>,
    fallback: PriceRates,
  ) {
    this.unpriced = Object.freeze({ ...resolvePrice(fallback), priced: false });
  }

  /** Takes `other`'s prices (a config reload): requests priced from now on use them. */
  adopt(other: PriceBook): void {
    this.rates = other.rates;
    this.unpriced = other.unpriced;
    this.cache.clear();
  }

  /** A model's prices (USD per million tokens); `priced: false` when neither the book nor config names it. */
  priceOf(model: string): PricedModel {
    let price = this.cache.get(model);
    if (price === undefined) {
      const rates = ratesFor(this.rates, model);
      price = rates === undefined ? this.unpriced : Object.freeze({ ...resolvePrice(rates), priced: true });
      if (this.cache.size >= MAX_CACHED_MODELS) this.cache.clear();
      this.cache.set(model, price);
    }
    return price;
  }

  /** What a request with this usage costs, USD, by token kind. */
  costBreakdown(model: string, usage: UsageReport): CostBreakdown {
    return costOf(usage, this.priceOf(model));
  }

  /** What a request with this usage costs, USD. */
  costUsd(model: string, usage: UsageReport): number {
    return this.costBreakdown(model, usage).total;
  }

  /** An admission estimate's cost, USD: no cache assumed, so it never underestimates the input. */
  estimateCostUsd(model: string, inputTokens: number, outputTokens: number): number {
    return this.costUsd(model, { inputTokens, outputTokens });
  }
}

/** The price book: `data` (the shipped book by default) with config `prices` applied. */
export function createPriceBook(overrides: PriceOverrides = {}, data: PriceBookData = SHIPPED_PRICE_BOOK): PriceBook {
  const { rates, fallback } = mergeRates(data.models, overrides);
  return new PriceBook(data.version, data.source, rates, fallback);
}
