import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chargedTokens } from '../../src/accounting/charge.js';

describe('chargedTokens', () => {
  const usage = { inputTokens: 1000, cachedInputTokens: 800, outputTokens: 300, reasoningTokens: 200 };
  it('defaults: everything counts', () => {
    expect(chargedTokens(usage)).toBe(1300);
  });
  it('cached input at a discount', () => {
    expect(chargedTokens(usage, { cachedInputWeight: 0.1 })).toBe(200 + 80 + 300);
    expect(chargedTokens(usage, { cachedInputWeight: 0 })).toBe(500);
  });
  it('reasoning excluded', () => {
    expect(chargedTokens(usage, { countReasoning: false })).toBe(1100);
  });
  it('missing fields count as zero; inconsistent ones are clamped', () => {
    expect(chargedTokens({})).toBe(0);
    expect(chargedTokens({ inputTokens: 10, cachedInputTokens: 50 }, { cachedInputWeight: 0 })).toBe(0);
    expect(chargedTokens({ outputTokens: 5, reasoningTokens: 9 }, { countReasoning: false })).toBe(0);
  });
  it('never more than the full count, never negative', () => {
    fc.assert(
      fc.property(fc.nat(1e6), fc.nat(1e6), fc.nat(1e6), fc.nat(1e6), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), (i, c, o, r, w, cr) => {
        const u = { inputTokens: i, cachedInputTokens: c, outputTokens: o, reasoningTokens: r };
        const n = chargedTokens(u, { cachedInputWeight: w, countReasoning: cr });
        expect(n).toBeGreaterThanOrEqual(0);
        expect(n).toBeLessThanOrEqual(chargedTokens(u));
      }),
    );
  });
});
