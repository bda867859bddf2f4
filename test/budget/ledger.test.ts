import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/budget/ledger.js';
import { TokenNinjaError } from '../../src/errors/errors.js';

// tick 30 000 ms, baseline 3 000 tokens per tick → rate 0.1 token/ms, capacity 3 000.
const make = () => new Ledger({ tickMs: 30_000, baselineAllocation: 3_000 });

describe('Ledger', () => {
  it('gives an unknown agent a full baseline bucket from its first request', () => {
    const l = make();
    const v = l.view('a', 1_000);
    expect(v).toMatchObject({ allocation: 3_000, capacity: 3_000, balance: 3_000, rate: 0.1, baseline: true, inFlight: 0 });
  });

  it('debits a reservation, allows debt, and refills continuously at allocation / tick', () => {
    const l = make();
    const r = l.reserve('a', 5_000, 0);
    expect(r).toMatchObject({ agent: 'a', amount: 5_000, source: 'allocation' });
    expect(l.balance('a', 0)).toBe(-2_000);
    // 10 s at 0.1 token/ms = 1 000 tokens.
    expect(l.balance('a', 10_000)).toBe(-1_000);
    // Refill stops at capacity: -1000 + 0.1 × 100 000 would be 9 000.
    expect(l.balance('a', 110_000)).toBe(3_000);
  });

  it('settle refunds or charges the difference exactly once', () => {
    const l = make();
    const r = l.reserve('a', 1_000, 0); // balance 2 000
    expect(l.settle(r.id, 400, 0)).toBe(true); // refund 600 → 2 600
    expect(l.balance('a', 0)).toBe(2_600);
    expect(l.settle(r.id, 400, 0)).toBe(false);
    expect(l.release(r.id, 0)).toBe(false);
    expect(l.balance('a', 0)).toBe(2_600);
    const r2 = l.reserve('a', 1_000, 0); // 1 600
    expect(l.settle(r2.id, 2_500, 0)).toBe(true); // pays 1 500 more → 100
    expect(l.balance('a', 0)).toBe(100);
    expect(l.stats()).toMatchObject({
      reservations: 2,
      settled: 2,
      duplicateEndings: 2,
      inFlight: 0,
      inFlightTokens: 0,
      reservedTokens: 2_000,
      chargedTokens: 2_900,
      refundedTokens: 600,
      extraChargedTokens: 1_500,
    });
  });

  it('release refunds in full, clamped to capacity (the excess counted as overflow)', () => {
    const l = make();
    const r = l.reserve('a', 1_000, 0); // 2 000
    // After 20 s the bucket has refilled to 3 000 (capped); the 1 000 refund overflows.
    expect(l.release(r.id, 20_000)).toBe(true);
    expect(l.balance('a', 20_000)).toBe(3_000);
    expect(l.stats()).toMatchObject({ released: 1, refundedTokens: 1_000, overflowTokens: 1_000, chargedTokens: 0 });
  });

  it('burst reservations leave the bucket alone; only an excess over the reservation is charged to it', () => {
    const l = make();
    const r = l.reserve('a', 500, 0, 'burst');
    expect(l.balance('a', 0)).toBe(3_000);
    expect(l.settle(r.id, 700, 0)).toBe(true);
    expect(l.balance('a', 0)).toBe(2_800);
    const r2 = l.reserve('a', 500, 0, 'burst');
    expect(l.settle(r2.id, 100, 0)).toBe(true); // the 400 unused belong to the pool, not the bucket
    expect(l.balance('a', 0)).toBe(2_800);
  });

  it('observe reservations never touch the bucket', () => {
    const l = make();
    const r = l.reserve('a', 500, 0, 'observe');
    expect(l.settle(r.id, 9_000, 0)).toBe(true);
    expect(l.balance('a', 0)).toBe(3_000);
  });

  it('applyAllocations refills at the old rate, then changes rate, clamps balance, keeps debt and reservations', () => {
    const l = make();
    l.reserve('a', 2_000, 0); // a: 1 000
    const rb = l.reserve('b', 4_000, 0); // b: -1 000
    // At 5 s: a = 1 000 + 500 = 1 500; b = -1 000 + 500 = -500.
    l.applyAllocations(new Map([['a', 600], ['b', 60_000]]), 30_000, 5_000);
    expect(l.view('a', 5_000)).toMatchObject({ allocation: 600, capacity: 600, balance: 600, baseline: false });
    expect(l.view('b', 5_000)).toMatchObject({ allocation: 60_000, capacity: 60_000, balance: -500, rate: 2 });
    // b refills at 2 tokens/ms now: 1 s later −500 + 2 000 = 1 500.
    expect(l.balance('b', 6_000)).toBe(1_500);
    expect(l.settle(rb.id, 4_000, 6_000)).toBe(true);
    expect(l.balance('b', 6_000)).toBe(1_500);
    // An agent left out of the next table falls back to the baseline.
    l.applyAllocations({ b: 60_000 }, 30_000, 6_000, { baselineAllocation: 300 });
    expect(l.view('a', 6_000)).toMatchObject({ allocation: 300, capacity: 300, balance: 300, baseline: true });
    expect(l.view('new', 6_000)).toMatchObject({ allocation: 300, balance: 300 });
  });

  it('a changed tick length changes every rate', () => {
    const l = make();
    l.applyAllocations({ a: 6_000 }, 60_000, 0);
    expect(l.rate('a', 0)).toBe(0.1);
    expect(l.rate('other', 0)).toBe(0.05); // baseline 3 000 over 60 s
  });

  it('does not drain when the clock steps back', () => {
    const l = make();
    l.reserve('a', 3_000, 10_000); // 0
    expect(l.balance('a', 5_000)).toBe(0);
    expect(l.balance('a', 11_000)).toBe(100);
  });

  it('prunes idle baseline agents that are full and hold nothing', () => {
    const l = make();
    l.view('idle', 0);
    const r = l.reserve('busy', 10, 0);
    l.applyAllocations({ named: 100 }, 30_000, 0);
    expect(l.prune(60_000, 120_000)).toBe(1);
    expect(l.has('idle')).toBe(false);
    expect(l.has('busy')).toBe(true);
    expect(l.has('named')).toBe(true);
    l.settle(r.id, 10, 120_000);
  });

  it('refuses negative or non-finite amounts with a stable code', () => {
    const l = make();
    expect(() => l.reserve('a', -1, 0)).toThrow(TokenNinjaError);
    expect(() => l.reserve('a', Number.NaN, 0)).toThrow(/amount must be/);
    const r = l.reserve('a', 1, 0);
    expect(() => l.settle(r.id, Infinity, 0)).toThrow(expect.objectContaining({ code: 'TN_BUDGET_INVALID_AMOUNT' }));
    expect(() => new Ledger({ tickMs: 0, baselineAllocation: 1 })).toThrow(/tickMs/);
  });

  it('keeps memory per tracked agent small (100k agents)', () => {
    const l = make();
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++) l.view(`agent-${i}`, 0);
    globalThis.gc?.();
    const perAgent = (process.memoryUsage().heapUsed - before) / 100_000;
    expect(l.stats().agents).toBe(100_000);
    // Generous: without a forced GC garbage inflates the figure; the target is well under 4 KB.
    expect(perAgent).toBeLessThan(4_096);
  });
});
