import { describe, expect, it } from 'vitest';
import { PeriodCaps, type CapAdmitted, type CapSnapshot } from '../../src/budget/period-caps.js';
import type { CapRule } from '../../src/domain/cap-rule.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const NOW = Date.UTC(2026, 11, 31, 23, 0);
const teams: Record<string, string> = { alice: 'research', bob: 'ops' };

function caps(rules: CapRule[], options: { enforce?: boolean; onUsage?: (c: CapSnapshot) => void; onError?: (err: unknown) => void } = {}) {
  const store = new MemoryStore();
  const periodCaps = new PeriodCaps({
    rules,
    counters: store,
    teamOf: (agent) => teams[agent] ?? 'default',
    enforce: options.enforce ?? true,
    ...(options.onUsage && { onUsage: options.onUsage }),
    ...(options.onError && { onError: options.onError }),
  });
  return { store, periodCaps };
}

/** Settlements write in the background: wait until every cap holds `reserved` (bounded). */
async function settled(periodCaps: PeriodCaps, reserved = 0): Promise<CapSnapshot[]> {
  for (let i = 0; i < 100; i++) {
    const snap = await periodCaps.snapshot(NOW);
    if (snap.every((c) => c.reserved === reserved)) return snap;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('reservations never ended');
}

describe('PeriodCaps', () => {
  it('counts a request in the fleet, its own team (by TeamOf) and itself, and no other team or agent', async () => {
    const { periodCaps } = caps([
      { scope: 'fleet', period: 'month', limit: 1000, action: 'block' },
      { scope: 'team:research', period: 'day', limit: 1000, action: 'block' },
      { scope: 'team:ops', period: 'day', limit: 1000, action: 'block' },
      { scope: 'agent:alice', period: 'day', limit: 1000, action: 'alert' },
      { scope: 'agent:bob', period: 'day', limit: 1000, action: 'block' },
    ]);
    const r = (await periodCaps.reserve('alice', 40, NOW)) as CapAdmitted;
    expect(r.admitted).toBe(true);
    r.hold.settle(25);
    const used = Object.fromEntries((await settled(periodCaps)).map((c) => [c.scope, c.used]));
    expect(used).toEqual({ fleet: 25, 'team:research': 25, 'team:ops': 0, 'agent:alice': 25, 'agent:bob': 0 });
    expect(await periodCaps.agentSpend('alice', NOW)).toEqual({ day: { periodId: 'day:2026-12-31', used: 25 }, month: { periodId: 'month:2026-12', used: 25 } });
  });

  it('refuses on the first blocking cap at its limit, with its reset; alert caps never refuse', async () => {
    const { periodCaps } = caps([
      { scope: 'agent:alice', period: 'day', limit: 50, action: 'alert' },
      { scope: 'team:research', period: 'month', limit: 100, action: 'block' },
    ]);
    const first = (await periodCaps.reserve('alice', 60, NOW)) as CapAdmitted;
    const second = (await periodCaps.reserve('alice', 60, NOW)) as CapAdmitted;
    expect([first.admitted, second.admitted]).toEqual([true, true]);
    const refused = await periodCaps.reserve('alice', 1, NOW);
    expect(refused).toEqual({
      admitted: false,
      cap: { scope: 'team:research', period: 'month', periodId: 'month:2026-12', used: 0, reserved: 120, limit: 100, action: 'block', resetsAt: Date.UTC(2027, 0, 1) },
    });
    // Releasing a hold makes room again; ending it twice changes nothing.
    second.hold.release();
    second.hold.release();
    second.hold.settle(1000);
    expect((await settled(periodCaps, 60)).map((c) => c.used)).toEqual([0, 0]);
    expect((await periodCaps.reserve('alice', 1, NOW)).admitted).toBe(true);
  });

  it('settles a hold once, into the period it was reserved in, and tells the listener about each rule it touched', async () => {
    const seen: CapSnapshot[] = [];
    const { periodCaps } = caps([{ scope: 'fleet', period: 'day', limit: 500, action: 'block' }], { onUsage: (c) => seen.push(c) });
    const r = (await periodCaps.reserve('bob', 30, NOW)) as CapAdmitted;
    r.hold.settle(20);
    r.hold.settle(20);
    r.hold.release();
    const [day] = await settled(periodCaps);
    expect(day).toMatchObject({ used: 20, reserved: 0 });
    expect(periodCaps.lastSeen(NOW)[0]).toMatchObject({ used: 20, reserved: 0 });
    // The next day starts at zero.
    expect((await periodCaps.snapshot(Date.UTC(2027, 0, 1)))[0]).toMatchObject({ periodId: 'day:2027-01-01', used: 0 });
    expect(seen).toEqual([{ scope: 'fleet', period: 'day', periodId: 'day:2026-12-31', used: 20, reserved: 0, limit: 500, action: 'block', resetsAt: Date.UTC(2027, 0, 1) }]);
  });

  it('in observe mode never refuses, and names the cap that would have', async () => {
    const { periodCaps } = caps([{ scope: 'fleet', period: 'day', limit: 50, action: 'block' }], { enforce: false });
    const first = (await periodCaps.reserve('bob', 60, NOW)) as CapAdmitted;
    expect(first.wouldBlock).toBeUndefined();
    const second = (await periodCaps.reserve('bob', 60, NOW)) as CapAdmitted;
    expect(second.admitted).toBe(true);
    expect(second.wouldBlock).toMatchObject({ scope: 'fleet', limit: 50, reserved: 120 });
  });

  it('reports a listener that throws instead of failing the settlement', async () => {
    const errors: unknown[] = [];
    const { periodCaps } = caps([{ scope: 'fleet', period: 'day', limit: 500, action: 'alert' }], {
      onUsage: () => {
        throw new Error('alerts are down');
      },
      onError: (err) => errors.push(err),
    });
    const r = (await periodCaps.reserve('bob', 30, NOW)) as CapAdmitted;
    r.hold.settle(10);
    expect((await settled(periodCaps))[0]).toMatchObject({ used: 10 });
    expect(errors).toEqual([new Error('alerts are down')]);
  });
});
