import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/budget/ledger.js';
import { TokenNinjaError } from '../../src/errors/errors.js';

// tick 30 000 ms; the first table names a and b with 3 000 tokens per tick → rate 0.1 token/ms, capacity 3 000.
const make = () => {
  const l = new Ledger({ tickMs: 30_000 });
  l.applyAllocations({ a: 3_000, b: 3_000 }, 30_000, 0);
  return l;
};

describe('Ledger', () => {
  it('gives the agents the first table names a full bucket', () => {
    const l = make();
    expect(l.view('a', 1_000)).toMatchObject({ allocation: 3_000, capacity: 3_000, balance: 3_000, rate: 0.1, named: true, inFlight: 0 });
  });

  it('gives an agent no table names no allocation: nothing refills outside the pool', () => {
    const l = make();
    expect(l.view('new', 1_000)).toMatchObject({ allocation: 0, capacity: 0, balance: 0, rate: 0, named: false });
    expect(l.balance('new', 1_000_000)).toBe(0);
  });

  it('counts what an unnamed agent draws from the newcomer reserve per tick, and notes it once', () => {
    const l = make();
    expect(l.noteNewcomer('new', 0)).toBe(true);
    expect(l.noteNewcomer('new', 1)).toBe(false);
    expect(l.newcomerLeft('new', 500, 0)).toBe(500);
    const r = l.reserve('new', 400, 1_000, 'newcomer');
    expect(l.balance('new', 1_000)).toBe(0);
    expect(l.newcomerLeft('new', 500, 2_000)).toBe(100);
    l.reserve('new', 400, 2_000, 'newcomer');
    expect(l.newcomerLeft('new', 500, 2_000)).toBe(-300);
    // A new tick, a new allowance.
    expect(l.newcomerLeft('new', 500, 30_000)).toBe(500);
    // Only an excess over the reservation is charged (to a bucket that refills once a table names it).
    l.settle(r.id, 450, 3_000);
    expect(l.balance('new', 3_000)).toBe(-50);
  });

  it('starts the buckets of agents a later table names empty: their first budget came from the reserve', () => {
    const l = make();
    l.applyAllocations({ a: 3_000, b: 3_000, c: 3_000 }, 30_000, 10_000);
    expect(l.view('c', 10_000)).toMatchObject({ allocation: 3_000, balance: 0, named: true });
    expect(l.balance('c', 20_000)).toBe(1_000);
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
    expect(l.view('a', 5_000)).toMatchObject({ allocation: 600, capacity: 600, balance: 600, named: true });
    expect(l.view('b', 5_000)).toMatchObject({ allocation: 60_000, capacity: 60_000, balance: -500, rate: 2 });
    // b refills at 2 tokens/ms now: 1 s later −500 + 2 000 = 1 500.
    expect(l.balance('b', 6_000)).toBe(1_500);
    expect(l.settle(rb.id, 4_000, 6_000)).toBe(true);
    expect(l.balance('b', 6_000)).toBe(1_500);
    // An agent left out of the next table has no allocation any more (it is a newcomer again).
    l.applyAllocations({ b: 60_000 }, 30_000, 6_000);
    expect(l.view('a', 6_000)).toMatchObject({ allocation: 0, capacity: 0, balance: 0, named: false });
    expect(l.view('new', 6_000)).toMatchObject({ allocation: 0, balance: 0 });
  });

  it('a changed tick length changes every rate', () => {
    const l = make();
    l.applyAllocations({ a: 6_000 }, 60_000, 0);
    expect(l.rate('a', 0)).toBe(0.1);
    expect(l.rate('other', 0)).toBe(0); // not named: no refill
  });

  it('does not drain when the clock steps back', () => {
    const l = make();
    l.reserve('a', 3_000, 10_000); // 0
    expect(l.balance('a', 5_000)).toBe(0);
    expect(l.balance('a', 11_000)).toBe(100);
  });

  it('prunes idle unnamed agents that hold nothing', () => {
    const l = new Ledger({ tickMs: 30_000 });
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
    expect(() => new Ledger({ tickMs: 0 })).toThrow(/tickMs/);
  });

  it('keeps memory per tracked agent small (100k agents)', () => {
    const l = new Ledger({ tickMs: 30_000 });
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
