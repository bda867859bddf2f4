import { describe, expect, it } from 'vitest';
import { LocalBurstPool } from '../../src/budget/local-burst-pool.js';

describe('LocalBurstPool', () => {
  it('refills to capacity at each wall-clock-aligned tick and grants at most what it holds', () => {
    const p = new LocalBurstPool({ tickMs: 30_000, capacity: 1_000 });
    expect(p.minPriority).toBe('high');
    expect(p.take('a', 600, 31_000)).toBe(600);
    expect(p.take('b', 600, 40_000)).toBe(400);
    expect(p.take('b', 1, 59_999)).toBe(0);
    expect(p.state(59_999)).toEqual({ tick: 1, capacity: 1_000, available: 0 });
    expect(p.available(60_000)).toBe(1_000); // tick 2
    expect(p.draws().get('a')).toEqual({ draws: 1, tokens: 600, returned: 0 });
    expect(p.draws().get('b')).toEqual({ draws: 1, tokens: 400, returned: 0 });
  });

  it('takes back unused tokens within the tick, drops them after it', () => {
    const p = new LocalBurstPool({ tickMs: 30_000, capacity: 1_000 });
    p.take('a', 800, 0);
    p.give('a', 300, 0, 10_000);
    expect(p.available(10_000)).toBe(500);
    p.take('a', 500, 10_000);
    p.give('a', 200, 10_000, 30_000); // tick 1: the old pool is gone
    expect(p.available(30_000)).toBe(1_000);
    expect(p.stats()).toEqual({ takenTokens: 1_300, returnedTokens: 300, expiredTokens: 200 });
    expect(p.draws().get('a')).toEqual({ draws: 2, tokens: 1_300, returned: 300 });
  });

  it('a capacity change mid-tick keeps what the tick already used', () => {
    const p = new LocalBurstPool({ tickMs: 30_000, capacity: 1_000, minPriority: 'critical' });
    p.take('a', 700, 0);
    p.setCapacity(500, 30_000, 1_000);
    expect(p.available(1_000)).toBe(0);
    p.setCapacity(2_000, 30_000, 1_000);
    expect(p.available(1_000)).toBe(1_300);
    expect(p.available(30_000)).toBe(2_000);
    expect(p.minPriority).toBe('critical');
  });

  it('refuses a negative capacity', () => {
    expect(() => new LocalBurstPool({ tickMs: 30_000, capacity: -1 })).toThrow(/burst capacity/);
  });
});
