import { describe, expect, it } from 'vitest';
import { clampMaxTokens } from '../../src/budget/max-tokens-clamp.js';

describe('clampMaxTokens', () => {
  it('is off unless enabled', () => {
    expect(clampMaxTokens({ enabled: false, affordable: 10, inputTokens: 100, requestedMaxTokens: 4_000 })).toBeUndefined();
  });

  it('leaves a request that fits alone', () => {
    // 5 000 affordable − 1 000 input = 4 000 output fit.
    expect(clampMaxTokens({ enabled: true, affordable: 5_000, inputTokens: 1_000, requestedMaxTokens: 4_000 })).toBeUndefined();
  });

  it('lowers max tokens to what fits, flooring fractions', () => {
    expect(clampMaxTokens({ enabled: true, affordable: 5_000.9, inputTokens: 1_000, requestedMaxTokens: 8_000 })).toBe(4_000);
  });

  it('clamps a request without max tokens', () => {
    expect(clampMaxTokens({ enabled: true, affordable: 1_500, inputTokens: 1_000 })).toBe(500);
  });

  it('never goes below the minimum output', () => {
    expect(clampMaxTokens({ enabled: true, affordable: 100, inputTokens: 1_000, requestedMaxTokens: 50 })).toBe(1);
    expect(clampMaxTokens({ enabled: true, affordable: 100, inputTokens: 1_000, requestedMaxTokens: 500, minOutputTokens: 64 })).toBe(64);
    expect(clampMaxTokens({ enabled: true, affordable: 100, inputTokens: 1_000, requestedMaxTokens: 64, minOutputTokens: 64 })).toBeUndefined();
  });
});
