import { describe, expect, it } from 'vitest';
import type { AllocationTable } from '../../src/allocation/types.js';
import { reallocatorFor } from './reallocator-fixture.js';

describe('a reallocation lets the event loop turn between its phases', () => {
  it('requests keep being served from the previous table while the store is read and the engine runs', async () => {
    const now = Date.UTC(2026, 0, 5, 12, 0, 10);
    const { reallocator, store } = reallocatorFor({ now: () => now });
    const minute = Math.floor(now / 60_000);
    await store.addUsage(Array.from({ length: 50 }, (_, i) => ({ agent: `agent-${i}`, minute, demand: 1000 + i, consumed: 900 })));
    const first = await reallocator.reallocate();
    expect(first?.agents).toHaveLength(50);

    // One macrotask after another, each noting the table in force; a tick that ran in one synchronous
    // stretch (or only through microtasks) would finish before the first of them.
    const seen: Array<AllocationTable | undefined> = [];
    let spinning = true;
    const spin = (): void => {
      if (!spinning) return;
      seen.push(reallocator.current);
      setImmediate(spin);
    };
    setImmediate(spin);
    const second = await reallocator.reallocate(Math.floor(now / 30_000) * 30_000 + 30_000);
    spinning = false;

    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    // Store reads | inputs | engine | apply: at least three turns, all before the new table took effect.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.every((t) => t === first)).toBe(true);
    expect(reallocator.current).toBe(second);
  });
});
