import { describe, expect, it } from 'vitest';
import { chargedTokens } from '../../src/accounting/charge.js';
import { formatUsd, tokensPerUnit, tokenUnit, usdUnit, type UsdPricing } from '../../src/accounting/charge-unit.js';
import type { Estimate } from '../../src/domain/estimate.js';
import type { UsageReport } from '../../src/domain/usage-report.js';

/** Two models, USD per million tokens: big 2.50 in / 10 out, small 0.15 in / 0.60 out; cached input at a tenth. */
const PRICES: Record<string, { input: number; output: number }> = { big: { input: 2.5, output: 10 }, small: { input: 0.15, output: 0.6 } };
/** What the price book answers for these two models (the settled cost is priced by the caller, then charged). */
const costUsd = (model: string, u: UsageReport): number => {
  const p = PRICES[model] ?? { input: 1, output: 1 };
  const cached = u.cachedInputTokens ?? 0;
  return (((u.inputTokens ?? 0) - cached) * p.input + cached * p.input * 0.1 + (u.outputTokens ?? 0) * p.output) / 1e6;
};
const pricing: UsdPricing = {
  estimateCostUsd: (model, input, output) => {
    const p = PRICES[model] ?? { input: 1, output: 1 };
    return (input * p.input + output * p.output) / 1e6;
  },
};

function estimate(model: string, inputTokens: number, outputTokens: number): Estimate {
  return { model, encoding: 'o200k_base', inputTokens, outputTokens, outputSource: 'request' };
}

describe('the budget unit', () => {
  it('tokens: the charge is chargedTokens under config counting, a reservation is input + output, one token per unit', () => {
    const usage: UsageReport = { inputTokens: 1000, cachedInputTokens: 400, outputTokens: 300, reasoningTokens: 100 };
    const counting = { cachedInputWeight: 0.5, countReasoning: false };
    const unit = tokenUnit(counting);
    // Whatever the request cost in dollars, a token budget charges tokens.
    expect(unit.charge(usage, costUsd('big', usage))).toBe(chargedTokens(usage, counting));
    expect(unit.charge(usage, costUsd('small', usage))).toBe(600 + 200 + 200);
    expect(unit.reserve(estimate('big', 1000, 300))).toBe(1300);
    expect(tokensPerUnit(estimate('big', 1000, 300), unit.reserve(estimate('big', 1000, 300)))).toBe(1);
    expect(unit.format(1234.9)).toBe('1234');
  });

  it('usd: the charge and the reservation are the price of the model; the same tokens of a cheaper model cost less', () => {
    const unit = usdUnit(pricing);
    const usage: UsageReport = { inputTokens: 1000, cachedInputTokens: 400, outputTokens: 300 };
    // big: 600 × 2.5 + 400 × 0.25 + 300 × 10 = 1500 + 100 + 3000 = 4600 µUSD.
    expect(unit.charge(usage, costUsd('big', usage))).toBeCloseTo(0.0046, 12);
    // small: 600 × 0.15 + 400 × 0.015 + 300 × 0.6 = 90 + 6 + 180 = 276 µUSD.
    expect(unit.charge(usage, costUsd('small', usage))).toBeCloseTo(0.000276, 12);
    expect(unit.reserve(estimate('big', 1000, 300))).toBeCloseTo(0.0055, 12);
    expect(unit.reserve(estimate('small', 1000, 300))).toBeCloseTo(0.00033, 12);
  });

  it('usd: tokens per dollar at the request\'s own mix, so x-ratelimit-*-tokens stay in the model\'s tokens', () => {
    const unit = usdUnit(pricing);
    const perDollar = (e: Estimate) => tokensPerUnit(e, unit.reserve(e));
    // 1,300 tokens for $0.0055 → 236,363.6 tokens a dollar; the small model buys 2.5 / 0.15 ≈ 16.7× more.
    expect(perDollar(estimate('big', 1000, 300))).toBeCloseTo(1300 / 0.0055, 3);
    expect(perDollar(estimate('small', 1000, 300)) / perDollar(estimate('big', 1000, 300))).toBeCloseTo(0.0055 / 0.00033, 6);
  });

  it('usd: a free model never divides by zero, and a negative price never refunds', () => {
    const free: UsdPricing = { estimateCostUsd: () => 0 };
    const unit = usdUnit(free);
    expect(unit.charge({ inputTokens: 10 }, -1)).toBe(0);
    expect(unit.reserve(estimate('x', 10, 10))).toBe(0);
    expect(Number.isFinite(tokensPerUnit(estimate('x', 10, 10), 0))).toBe(true);
    expect(tokensPerUnit(estimate('x', 10, 10), 0)).toBeGreaterThan(1e9);
  });

  it('formats dollars to the micro-dollar, rounded down, without trailing zeros', () => {
    expect(formatUsd(0.0125)).toBe('0.0125');
    expect(formatUsd(3)).toBe('3');
    expect(formatUsd(0.00000049)).toBe('0');
    expect(formatUsd(1.23456789)).toBe('1.234567');
    expect(formatUsd(Number.NaN)).toBe('0');
  });
});
