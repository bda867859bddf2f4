import { describe, expect, it } from 'vitest';
import { FailoverCapCounters } from '../../src/app/failover-cap-counters.js';
import type { CapCounters } from '../../src/budget/period-caps.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import type { CapCounterRef } from '../../src/store/store.js';

const EXP = Date.UTC(2100, 0, 1);
const fleetDay = (limit?: number): CapCounterRef => ({ scope: 'fleet', periodId: 'day:2026-12-06', expiresAt: EXP, ...(limit !== undefined && { limit }) });
const agentDay: CapCounterRef = { scope: 'agent:a', periodId: 'day:2026-12-06', expiresAt: EXP };

/** A memory store's counters behind a switch: while `down`, every call fails as an unreachable Redis would. */
function switchable(): { store: MemoryStore; counters: CapCounters; setDown: (down: boolean) => void; isUp: () => boolean } {
  const store = new MemoryStore();
  let down = false;
  const gate = <T>(call: () => Promise<T>): Promise<T> => (down ? Promise.reject(new StoreUnavailableError('Redis is down')) : call());
  return {
    store,
    counters: {
      capReserve: (refs, amount) => gate(() => store.capReserve(refs, amount)),
      capAdd: (deltas, opId) => gate(() => store.capAdd(deltas, opId)),
      capCounters: (keys) => gate(() => store.capCounters(keys)),
    },
    setDown: (d) => (down = d),
    isUp: () => !down,
  };
}

describe('FailoverCapCounters', () => {
  it('fail-open: while the store is down, admits up to this proxy\'s part of the room left, then reconciles its counts once it is back', async () => {
    const s = switchable();
    const counters = new FailoverCapCounters(s.counters, { isUp: s.isUp, failOpen: true, fleetSize: () => 2 });
    // Up: 40 of 100 used, as every proxy sees it.
    expect((await counters.capReserve([fleetDay(100), agentDay], 40)).blocked).toBe(-1);
    await counters.capAdd([{ ...fleetDay(), used: 40, reserved: -40 }, { ...agentDay, used: 40, reserved: -40 }], 'op-1');
    s.setDown(true);
    // 60 left for two proxies: this one admits while its own count is under 30.
    const grants = [];
    for (let i = 0; i < 5; i++) grants.push((await counters.capReserve([fleetDay(100), agentDay], 10)).blocked);
    expect(grants).toEqual([-1, -1, -1, 0, 0]);
    // Settlements while down are kept: one of the three local reservations charged 8, one released.
    expect(await counters.capAdd([{ ...fleetDay(), used: 8, reserved: -10 }, { ...agentDay, used: 8, reserved: -10 }], 'op-2')).toEqual([
      { scope: 'fleet', periodId: 'day:2026-12-06', used: 48, reserved: 20 },
      // No limit on it, so no last sight kept: this proxy's own counts.
      { scope: 'agent:a', periodId: 'day:2026-12-06', used: 8, reserved: 20 },
    ]);
    await counters.capAdd([{ ...fleetDay(), used: 0, reserved: -10 }], 'op-3');
    expect(await s.store.capCounters([fleetDay()])).toEqual([{ scope: 'fleet', periodId: 'day:2026-12-06', used: 40, reserved: 0 }]);
    // Back: the next call adds what this proxy counted, once, before anything newer.
    s.setDown(false);
    expect((await counters.capReserve([fleetDay(100)], 5)).counters).toEqual([{ scope: 'fleet', periodId: 'day:2026-12-06', used: 48, reserved: 15 }]);
    expect(await s.store.capCounters([agentDay])).toEqual([{ scope: 'agent:a', periodId: 'day:2026-12-06', used: 48, reserved: 20 }]);
    await counters.reconcile();
    expect(await s.store.capCounters([fleetDay()])).toEqual([{ scope: 'fleet', periodId: 'day:2026-12-06', used: 48, reserved: 15 }]);
  });

  it('the store back, concurrent requests wait for one replay of the backlog instead of each sending it', async () => {
    const s = switchable();
    let adds = 0;
    const counting: CapCounters = { ...s.counters, capAdd: (deltas, opId) => ((adds += 1), s.counters.capAdd(deltas, opId)) };
    const counters = new FailoverCapCounters(counting, { isUp: s.isUp, failOpen: true, fleetSize: () => 1 });
    s.setDown(true);
    for (let i = 0; i < 3; i++) await counters.capAdd([{ ...fleetDay(), used: 1, reserved: 0 }], `down-${i}`);
    s.setDown(false);
    await Promise.all(Array.from({ length: 10 }, () => counters.capReserve([fleetDay(100)], 1)));
    // The three settlements kept while down went out as one batch, once.
    expect(adds).toBe(1);
    expect(await s.store.capCounters([fleetDay()])).toEqual([{ scope: 'fleet', periodId: 'day:2026-12-06', used: 3, reserved: 10 }]);
  });

  it('fail-closed: a reservation fails with the store; a settlement is still kept and reconciled', async () => {
    const s = switchable();
    const counters = new FailoverCapCounters(s.counters, { isUp: s.isUp, failOpen: false, fleetSize: () => 1 });
    await counters.capReserve([fleetDay(100)], 30);
    s.setDown(true);
    await expect(counters.capReserve([fleetDay(100)], 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    await counters.capAdd([{ ...fleetDay(), used: 25, reserved: -30 }], 'op-4');
    // Reconciling while still down keeps the counts for later.
    await expect(counters.reconcile()).rejects.toBeInstanceOf(StoreUnavailableError);
    s.setDown(false);
    await counters.reconcile();
    expect(await s.store.capCounters([fleetDay()])).toEqual([{ scope: 'fleet', periodId: 'day:2026-12-06', used: 25, reserved: 0 }]);
    await counters.reconcile();
    expect(await s.store.capCounters([fleetDay()])).toEqual([{ scope: 'fleet', periodId: 'day:2026-12-06', used: 25, reserved: 0 }]);
  });

  it('a settlement that landed unseen (its reply timed out) is retried under its op id and counts once', async () => {
    const store = new MemoryStore();
    let loseReply = true;
    const shared: CapCounters = {
      capReserve: (refs, amount) => store.capReserve(refs, amount),
      capAdd: async (deltas, opId) => {
        const states = await store.capAdd(deltas, opId);
        if (!loseReply) return states;
        loseReply = false;
        throw new StoreUnavailableError('Redis command timed out');
      },
      capCounters: (keys) => store.capCounters(keys),
    };
    const counters = new FailoverCapCounters(shared, { isUp: () => true, failOpen: true, fleetSize: () => 1 });
    await counters.capReserve([fleetDay(100)], 30);
    await counters.capAdd([{ ...fleetDay(), used: 25, reserved: -30 }], 'settle-1');
    await counters.capReserve([fleetDay(100)], 10);
    expect(await store.capCounters([fleetDay()])).toEqual([{ scope: 'fleet', periodId: 'day:2026-12-06', used: 25, reserved: 10 }]);
  });
});
