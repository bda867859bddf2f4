import { describe, expect, it } from 'vitest';
import { DollarSpend, type DollarSpendOptions } from '../../src/app/dollar-spend.js';
import { FailoverCapCounters } from '../../src/app/failover-cap-counters.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { CapCounterKey, CapDelta } from '../../src/store/store.js';
import { until } from '../e2e/ports.js';

const JAN_31_LATE = Date.UTC(2026, 0, 31, 23, 59);
const FEB_1_EARLY = Date.UTC(2026, 1, 1, 0, 1);
const FEB_2 = Date.UTC(2026, 1, 2, 12);
const NEVER = 3_600_000;

/** A memory store's counters that count the writes sent to them. */
function countingStore(): { store: MemoryStore; writes: CapDelta[][]; counters: DollarSpendOptions['counters'] } {
  const store = new MemoryStore();
  const writes: CapDelta[][] = [];
  return {
    store,
    writes,
    counters: {
      capAdd: (deltas: readonly CapDelta[], opId: string) => {
        writes.push([...deltas]);
        return store.capAdd(deltas, opId);
      },
      capCounters: (keys: readonly CapCounterKey[]) => store.capCounters(keys),
    },
  };
}

/** A tally whose write errors fail the test (and that writes on its own only when told a short interval). */
function spend(counters: DollarSpendOptions['counters'], flushMs = NEVER): DollarSpend {
  return new DollarSpend({ counters, flushMs, onError: (err) => expect.unreachable(String(err)) });
}

describe('DollarSpend', () => {
  it('tallies in memory and writes one batch per flush, whatever the number of requests', async () => {
    const s = countingStore();
    const dollars = spend(s.counters);
    for (let i = 0; i < 100; i++) dollars.record(i % 2 === 0 ? 'planner' : 'coder', 'core', 0.01, FEB_2);
    expect(s.writes).toEqual([]);
    await dollars.flush();
    // One write: day and month of each agent and of their team.
    expect(s.writes).toHaveLength(1);
    expect(s.writes[0]).toHaveLength(6);
    const [planner, coder] = await dollars.agents(['planner', 'coder'], FEB_2);
    expect(planner?.usdToday).toBeCloseTo(0.5, 12);
    expect(coder?.usdThisMonth).toBeCloseTo(0.5, 12);
    expect((await dollars.teams(['core'], FEB_2))[0]?.usdToday).toBeCloseTo(1, 12);
    // Nothing new: reading writes nothing more.
    expect(s.writes).toHaveLength(1);
  });

  it('reads what was tallied and not written yet (a read flushes first)', async () => {
    const s = countingStore();
    const dollars = spend(s.counters);
    dollars.record('planner', 'default', 0.25, FEB_2);
    expect(await dollars.agents(['planner', 'ghost'], FEB_2)).toEqual([
      { usdToday: 0.25, usdThisMonth: 0.25 },
      { usdToday: 0, usdThisMonth: 0 },
    ]);
  });

  it('counts each cost in the UTC day and month it settled in', async () => {
    const dollars = spend(countingStore().counters);
    dollars.record('planner', 'default', 1, JAN_31_LATE);
    dollars.record('planner', 'default', 2, FEB_1_EARLY);
    dollars.record('planner', 'default', 4, FEB_2);
    expect(await dollars.agents(['planner'], JAN_31_LATE)).toEqual([{ usdToday: 1, usdThisMonth: 1 }]);
    expect(await dollars.agents(['planner'], FEB_1_EARLY)).toEqual([{ usdToday: 2, usdThisMonth: 6 }]);
    expect(await dollars.teams(['default'], FEB_2)).toEqual([{ usdToday: 4, usdThisMonth: 6 }]);
  });

  it('lives in the store: a restarted proxy, or another one on the same store, reads the same figures', async () => {
    const s = countingStore();
    const first = spend(s.counters);
    first.record('planner', 'default', 0.75, FEB_2);
    await first.flush();
    const second = spend(s.counters);
    second.record('planner', 'default', 0.25, FEB_2);
    await second.flush();
    expect(await first.agents(['planner'], FEB_2)).toEqual([{ usdToday: 1, usdThisMonth: 1 }]);
    expect(await second.agents(['planner'], FEB_2)).toEqual([{ usdToday: 1, usdThisMonth: 1 }]);
  });

  it('writes on its own after the flush interval', async () => {
    const s = countingStore();
    spend(s.counters, 5).record('planner', 'default', 0.5, FEB_2);
    await until('the tally is written', async () => (await s.store.capCounters([{ scope: 'usd:agent:planner', periodId: 'day:2026-02-02' }]))[0]?.used === 0.5);
    expect(s.writes).toHaveLength(1);
  });

  it('ignores costs that are zero, negative or not finite', async () => {
    const s = countingStore();
    const dollars = spend(s.counters);
    for (const usd of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) dollars.record('planner', 'default', usd, FEB_2);
    await dollars.flush();
    expect(s.writes).toEqual([]);
  });

  it('keeps tallies while the store is down (through the caps\' failover) and writes them once it is back', async () => {
    const s = countingStore();
    let up = false;
    const failover = new FailoverCapCounters(
      {
        capReserve: (refs, amount) => s.store.capReserve(refs, amount),
        capAdd: (deltas, opId) => (up ? s.counters.capAdd(deltas, opId) : Promise.reject(new Error('store down'))),
        capCounters: (keys) => (up ? s.counters.capCounters(keys) : Promise.reject(new Error('store down'))),
      },
      { isUp: () => up, failOpen: true, fleetSize: () => 1 },
    );
    const dollars = spend(failover);
    dollars.record('planner', 'default', 0.5, FEB_2);
    expect(await dollars.agents(['planner'], FEB_2)).toEqual([{ usdToday: 0.5, usdThisMonth: 0.5 }]);
    up = true;
    await failover.reconcile();
    const restarted = spend(s.counters);
    expect(await restarted.agents(['planner'], FEB_2)).toEqual([{ usdToday: 0.5, usdThisMonth: 0.5 }]);
  });
});
