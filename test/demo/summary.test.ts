import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyStats, usageTokens } from '../../src/demo/demo-agent.js';
import { equalSplit, summarise } from '../../src/demo/summary.js';

describe('equalSplit', () => {
  it('caps parts and re-spreads the surplus', () => {
    expect(equalSplit(300, [{ weight: 1, cap: 50 }, { weight: 1, cap: 1000 }, { weight: 1, cap: 1000 }])).toEqual([50, 125, 125]);
  });

  it('never exceeds caps or the total, and spends the total when caps allow', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.array(fc.record({ weight: fc.double({ min: 0, max: 10, noNaN: true }), cap: fc.double({ min: 0, max: 1e6, noNaN: true }) }), { maxLength: 8 }), (total, parts) => {
        const out = equalSplit(total, parts);
        const sum = out.reduce((s, x) => s + x, 0);
        out.forEach((x, i) => expect(x).toBeLessThanOrEqual(parts[i]!.cap + 1e-6));
        expect(sum).toBeLessThanOrEqual(total + 1e-6);
        const room = parts.filter((p) => p.weight > 0).reduce((s, p) => s + p.cap, 0);
        expect(sum).toBeCloseTo(Math.min(total, room), 0);
      }),
    );
  });
});

describe('summarise', () => {
  it('credits dynamic allocation for moving tokens to the productive agent', () => {
    const good = { ...emptyStats(), tokens: 900, askedTokens: 5000, tasks: 9, qualitySum: 9 };
    const bad = { ...emptyStats(), tokens: 100, askedTokens: 5000, tasks: 0 };
    const s = summarise([
      { agent: 'good', stats: good, activeSeconds: 10 },
      { agent: 'bad', stats: bad, activeSeconds: 10 },
    ]);
    expect(s.dynamicTasksPerMillion).toBeCloseTo(9000);
    // Static: 500 tokens each; good does 0.01 tasks per token → 5 tasks per 1000 tokens.
    expect(s.staticTasksPerMillion).toBeCloseTo(5000);
    expect(s.gain).toBeCloseTo(1.8);
  });
});

describe('usageTokens', () => {
  it('reads JSON and SSE usage', () => {
    expect(usageTokens('{"usage":{"total_tokens":42}}', false)).toBe(42);
    expect(usageTokens('data: {"choices":[]}\n\ndata: {"usage":{"total_tokens":7}}\n\ndata: [DONE]\n\n', true)).toBe(7);
    expect(usageTokens('not json', false)).toBe(0);
  });
});
