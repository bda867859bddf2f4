import type { Estimate } from '../domain/estimate.js';
import type { UnitName } from '../domain/unit.js';
import type { UsageReport } from '../domain/usage-report.js';
import { chargedTokens, type CountingPolicy } from './charge.js';

/** Dollar prices of an admission estimate, as the price book computes them. */
export interface UsdPricing {
  /** USD for an admission estimate (uncached input, output). */
  estimateCostUsd(model: string, inputTokens: number, outputTokens: number): number;
}

/**
 * What a request costs in the budget's unit. Ledger, reservations, usage series, forecast, productivity and
 * allocations all carry this one number, so the engine is the same in tokens and in dollars.
 */
export interface ChargeUnit {
  readonly name: UnitName;
  /** The charge for a settled request, given its usage and what that usage cost (priced once, by the caller). */
  charge(usage: UsageReport, costUsd: number): number;
  /** The reservation for a request about to be admitted. */
  reserve(estimate: Estimate): number;
  /** An amount as a header or log shows it: whole tokens, or dollars to the micro-dollar. */
  format(amount: number): string;
}

/** Tokens: charged as config `counting` says, one unit per token. */
export function tokenUnit(counting: Partial<CountingPolicy>): ChargeUnit {
  return {
    name: 'tokens',
    charge: (usage) => chargedTokens(usage, counting),
    reserve: (e) => e.inputTokens + e.outputTokens,
    format: (amount) => String(Math.floor(amount)),
  };
}

/** Below this a reservation is treated as free (a model priced at zero): it buys unbounded tokens. */
const FREE_USD = 1e-12;

/** Dollars: each request priced by its model; `counting` does not apply (the prices say what cached and reasoning tokens cost). */
export function usdUnit(pricing: UsdPricing): ChargeUnit {
  return {
    name: 'usd',
    charge: (_usage, costUsd) => Math.max(0, costUsd),
    reserve: (e) => Math.max(0, pricing.estimateCostUsd(e.model, e.inputTokens, e.outputTokens)),
    format: (amount) => formatUsd(amount),
  };
}

/**
 * Tokens of the estimate's model one unit buys at its input/output mix, from what admission reserved for it
 * (for `x-ratelimit-*-tokens`): 1 in tokens; in dollars, the estimate's tokens over its price.
 */
export function tokensPerUnit(estimate: Estimate, reserved: number): number {
  const tokens = estimate.inputTokens + estimate.outputTokens;
  return reserved > FREE_USD && tokens > 0 ? tokens / reserved : 1 / FREE_USD;
}

/** Dollars with up to six decimals, trailing zeros dropped (`0.0125`, `3`). */
export function formatUsd(amount: number): string {
  if (!Number.isFinite(amount)) return '0';
  return (Math.floor(amount * 1e6) / 1e6).toFixed(6).replace(/\.?0+$/, '');
}
