import { describe, expect, it } from 'vitest';
import type { BurstPool } from '../../src/budget/burst-pool.js';

/** What every BurstPool must do, whatever holds its state (STYLE: one contract suite per interface). */
export function burstPoolContract(name: string, make: (tickMs: number, capacity: number) => BurstPool): void {
  describe(`BurstPool contract: ${name}`, () => {
    it('grants at most the capacity per tick, and starts each tick full', async () => {
      const p = make(30_000, 1_000);
      expect(await p.take('a', 600, 31_000)).toBe(600);
      expect(await p.take('b', 600, 40_000)).toBe(400);
      expect(await p.take('b', 1, 59_999)).toBe(0);
      expect(p.available(59_999)).toBe(0);
      expect(await p.state(59_999)).toEqual({ tick: 1, capacity: 1_000, available: 0 });
      expect(await p.take('a', 1_000, 60_000)).toBe(1_000);
    });

    it('takes back unused tokens within the tick and drops them after it', async () => {
      const p = make(30_000, 1_000);
      await p.take('a', 800, 0);
      await p.give('a', 300, 0, 10_000);
      expect(p.available(10_000)).toBe(500);
      expect((await p.state(10_000)).available).toBe(500);
      await p.take('a', 500, 10_000);
      await p.give('a', 200, 10_000, 30_000);
      expect((await p.state(30_000)).available).toBe(1_000);
    });

    it('accounts draws per agent', async () => {
      const p = make(30_000, 1_000);
      await p.take('a', 300, 0);
      await p.take('a', 200, 0);
      await p.take('b', 100, 0);
      await p.give('a', 50, 0, 0);
      expect(p.draws().get('a')).toEqual({ draws: 2, tokens: 500, returned: 50 });
      expect(p.draws().get('b')).toEqual({ draws: 1, tokens: 100, returned: 0 });
    });

    it('applies a new capacity from the tick it is set in on', async () => {
      const p = make(30_000, 0);
      expect(await p.take('a', 1, 0)).toBe(0);
      p.setCapacity(2_000, 30_000, 30_000);
      expect(await p.take('a', 1_500, 30_000)).toBe(1_500);
      expect(p.available(30_000)).toBe(500);
      expect(p.minPriority).toBe('high');
    });
  });
}
