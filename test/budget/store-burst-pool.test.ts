import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/budget/admission.js';
import { LocalBurstPool } from '../../src/budget/local-burst-pool.js';
import { StoreBurstPool } from '../../src/budget/store-burst-pool.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { burstPoolContract } from './burst-pool.contract.js';
import { FakeTime } from './fake-time.js';

burstPoolContract('LocalBurstPool', (tickMs, capacity) => new LocalBurstPool({ tickMs, capacity }));
burstPoolContract('StoreBurstPool over MemoryStore', (tickMs, capacity) => new StoreBurstPool(new MemoryStore(), { tickMs, capacity }));
burstPoolContract('StoreBurstPool over MemoryStore, newcomer reserve', (tickMs, capacity) => new StoreBurstPool(new MemoryStore(), { tickMs, capacity, pool: 'newcomers' }));

describe('StoreBurstPool', () => {
  it('two proxies sharing one store share one pool; a stale hint is corrected by a short draw', async () => {
    const store = new MemoryStore();
    const time = new FakeTime(0);
    const make = () =>
      new Admission({
        tickMs: 10_000,
        newcomerAllowance: 0,
        clock: time,
        scheduler: time,
        burstPool: new StoreBurstPool(store, { tickMs: 10_000, capacity: 1_000 }),
        maxWaitMs: 0,
      });
    const one = make();
    const two = make();
    expect(await one.acquire({ agent: 'a', cost: 800, priority: 'critical' })).toMatchObject({ admitted: true, source: 'burst' });
    // `two` has not seen the pool yet and believes it full: its draw comes back short, is given back, and it re-decides.
    expect(await two.acquire({ agent: 'b', cost: 800, priority: 'critical' })).toMatchObject({ admitted: false, reason: 'wait-too-long' });
    expect((await store.burstState(0, 1_000)).available).toBe(200);
    expect(await two.acquire({ agent: 'b', cost: 200, priority: 'high' })).toMatchObject({ admitted: true, source: 'burst' });
    expect((await store.burstState(0, 1_000)).available).toBe(0);
  });
});

describe('StoreBurstPool as the newcomer reserve', () => {
  it('two proxies sharing one store share one reserve for new agents, apart from the burst buffer', async () => {
    const store = new MemoryStore();
    const time = new FakeTime(0);
    const make = () =>
      new Admission({
        tickMs: 10_000,
        newcomerAllowance: 1_000,
        clock: time,
        scheduler: time,
        burstPool: new StoreBurstPool(store, { tickMs: 10_000, capacity: 1_000 }),
        newcomerPool: new StoreBurstPool(store, { tickMs: 10_000, capacity: 500, pool: 'newcomers' }),
        maxWaitMs: 0,
      });
    const one = make();
    const two = make();
    expect(await one.acquire({ agent: 'new', cost: 400 })).toMatchObject({ admitted: true, decision: { reason: 'newcomer' } });
    // The other proxy sees the same agent as new too, but the reserve is the fleet's: 100 left, not 500.
    expect(await two.acquire({ agent: 'new', cost: 400 })).toMatchObject({ admitted: false });
    expect((await store.burstState(0, 500, 'newcomers')).available).toBe(100);
    expect((await store.burstState(0, 1_000)).available).toBe(1_000);
  });
});
