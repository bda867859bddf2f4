import { describe, expect, it } from 'vitest';
import { FailoverBurstPool } from '../../src/app/failover-burst-pool.js';
import { StoreBurstPool } from '../../src/budget/store-burst-pool.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';

/** A store whose burst calls fail while `down` is set (Redis unreachable). */
function flakyStore(): { store: Pick<Store, 'burstTake' | 'burstReturn' | 'burstState'>; down: { value: boolean }; inner: MemoryStore } {
  const inner = new MemoryStore();
  const down = { value: false };
  const guard = <T>(fn: () => Promise<T>) => (down.value ? Promise.reject(new Error('store_unavailable')) : fn());
  return {
    inner,
    down,
    store: {
      burstTake: (t, c, a) => guard(() => inner.burstTake(t, c, a)),
      burstReturn: (t, c, a) => guard(() => inner.burstReturn(t, c, a)),
      burstState: (t, c) => guard(() => inner.burstState(t, c)),
    },
  };
}

describe('FailoverBurstPool', () => {
  const TICK = 30_000;
  const now = 100 * TICK + 5;

  it('draws on the shared pool while the store answers, on this proxy\'s part of it while it does not', async () => {
    const { store, down, inner } = flakyStore();
    const pool = new FailoverBurstPool(new StoreBurstPool(store, { tickMs: TICK }), {
      tickMs: TICK,
      minPriority: 'high',
      isUp: () => !down.value,
      fleetSize: () => 4,
    });
    pool.setCapacity(200, TICK, now);
    expect(await pool.take('a', 30, now)).toBe(30);
    expect((await inner.burstState(100, 200)).available).toBe(170);

    down.value = true;
    // A quarter of the capacity (four proxies), not the whole fleet's pool.
    expect(pool.available(now + 10)).toBe(50);
    expect(await pool.take('a', 80, now + 10)).toBe(50);
    expect(await pool.take('b', 10, now + 10)).toBe(0);
    await pool.give('a', 20, now + 10, now + 11);
    expect(pool.available(now + 11)).toBe(20);

    down.value = false;
    // Back up: the shared pool again; each give-back goes to the pool its draw came from.
    await pool.give('a', 30, now, now + 12);
    expect(pool.available(now + 12)).toBe(200);
    expect((await inner.burstState(100, 200)).available).toBe(200);
    await pool.give('a', 30, now + 10, now + 13);
    down.value = true;
    expect(pool.available(now + 13)).toBe(50);
    expect(pool.draws().get('a')).toMatchObject({ draws: 2, tokens: 80 });
  });

  it('falls back for one call when the store fails although it looked up', async () => {
    const { store, down } = flakyStore();
    const pool = new FailoverBurstPool(new StoreBurstPool(store, { tickMs: TICK }), { tickMs: TICK, minPriority: 'high', isUp: () => true, fleetSize: () => 1 });
    pool.setCapacity(100, TICK, now);
    down.value = true;
    expect(await pool.take('a', 60, now)).toBe(60);
  });
});
