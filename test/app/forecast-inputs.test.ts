import { describe, expect, it } from 'vitest';
import { forecastDemand } from '../../src/allocation/forecast.js';
import { allocationPolicy } from '../../src/allocation/policy.js';
import type { AllocationPolicy, UsageWindows } from '../../src/allocation/types.js';
import { gatherInputs, type PartialUsage } from '../../src/app/reallocation-inputs.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { UsageDelta } from '../../src/store/store.js';

/**
 * The forecast's inputs from a hand-filled store: exact windows (demand, coverage) and the forecast worked out
 * by hand with the weights recent 0.5, lastHour 0.2, sameHourYesterday 0.15, sameHourLastWeek 0.15 (pinned here: the
 * hand-worked figures do not follow the default).
 */

const MINUTE = 60_000;
const DAY = 24 * 3_600_000;
/** A tick on a minute boundary (the reallocation loop ticks at :00 and :30). */
const T = Date.UTC(2026, 0, 5, 12, 0, 0);
const M = T / MINUTE;
const policy = allocationPolicy({ demandWeights: { recent: 0.5, lastHour: 0.2, sameHourYesterday: 0.15, sameHourLastWeek: 0.15 } });

/** `perMinute` demand in each minute of [from, to). */
function minutes(agent: string, from: number, to: number, perMinute: number): UsageDelta[] {
  const rows: UsageDelta[] = [];
  for (let m = from; m < to; m++) rows.push({ agent, minute: m, demand: perMinute, consumed: perMinute });
  return rows;
}

async function storeWith(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.touchAgents([
    { agent: 'steady', firstSeen: T - 8 * DAY },
    { agent: 'quiet', firstSeen: T - 2 * DAY },
    { agent: 'newcomer', firstSeen: T - 100_000 },
    { agent: 'brand-new', firstSeen: T - 5_000 },
  ]);
  await store.addUsage([
    // steady: 600 a minute over the last hour, nothing yesterday, 1,200 a minute in that hour last week.
    ...minutes('steady', M - 60, M, 600),
    ...minutes('steady', M - 59 - 7 * 1440, M + 1 - 7 * 1440, 1200),
    // quiet: 100 a minute in that hour yesterday, nothing since.
    ...minutes('quiet', M - 59 - 1440, M + 1 - 1440, 100),
    { agent: 'newcomer', minute: M - 2, demand: 300, consumed: 300 },
    { agent: 'newcomer', minute: M - 1, demand: 500, consumed: 500 },
    { agent: 'brand-new', minute: M - 1, demand: 1000, consumed: 1000 },
  ]);
  return store;
}

async function windowsAt(store: MemoryStore, now: number, options: { partial?: Record<string, PartialUsage>; policy?: AllocationPolicy } = {}): Promise<Map<string, UsageWindows>> {
  const signals = {
    hints: new Map(),
    queuedDemand: new Map<string, number>(),
    ...(options.partial && { partialUsage: new Map(Object.entries(options.partial)) }),
  };
  const input = await gatherInputs(store, options.policy ?? policy, signals, now, () => ({}));
  return new Map(input.agents.map((a) => [a.agent, a.usage]));
}

const forecast = (usage: UsageWindows | undefined) => forecastDemand(usage ?? {}, 0, policy).forecast;

describe('forecast inputs: zero windows and real coverage', () => {
  it('a tick on a minute boundary: recent covers the four complete minutes read, the hour 59; a quiet window is zero', async () => {
    const w = await windowsAt(await storeWith(), T);
    expect(w.get('steady')).toEqual({
      recent: { demandTokens: 2400, coveredSeconds: 240 },
      lastHour: { demandTokens: 35_400, coveredSeconds: 3540 },
      sameHourYesterday: { demandTokens: 0, coveredSeconds: 3600 },
      sameHourLastWeek: { demandTokens: 72_000, coveredSeconds: 3600 },
    });
    // 0.5 × 10 + 0.2 × 10 + 0.15 × 0 + 0.15 × 20 = 10 tokens/s, × 30 s.
    expect(forecast(w.get('steady'))).toBeCloseTo(300, 9);

    // Known for two days, busy only yesterday: today's windows are zero, last week's is before it existed.
    expect(w.get('quiet')).toEqual({
      recent: { demandTokens: 0, coveredSeconds: 240 },
      lastHour: { demandTokens: 0, coveredSeconds: 3540 },
      sameHourYesterday: { demandTokens: 6000, coveredSeconds: 3600 },
    });
    // 0.15 × (6,000 / 3,600) / (0.5 + 0.2 + 0.15) tokens/s, × 30 s.
    expect(forecast(w.get('quiet'))).toBeCloseTo(((0.15 * (6000 / 3600)) / 0.85) * 30, 9);
  });

  it('a newcomer is covered from its first-seen; its first seconds count as one tick', async () => {
    const w = await windowsAt(await storeWith(), T);
    expect(w.get('newcomer')).toEqual({
      recent: { demandTokens: 800, coveredSeconds: 100 },
      lastHour: { demandTokens: 800, coveredSeconds: 100 },
    });
    expect(forecast(w.get('newcomer'))).toBeCloseTo(240, 9);
    expect(w.get('brand-new')).toEqual({
      recent: { demandTokens: 1000, coveredSeconds: 30 },
      lastHour: { demandTokens: 1000, coveredSeconds: 30 },
    });
    expect(forecast(w.get('brand-new'))).toBeCloseTo(1000, 9);
  });

  it('the one-tick floor never stretches a window an agent lived through (a 10-minute tick)', async () => {
    const long = allocationPolicy({ tickSeconds: 600 });
    const w = await windowsAt(await storeWith(), T, { policy: long });
    expect(w.get('steady')?.recent).toEqual({ demandTokens: 2400, coveredSeconds: 240 });
    // A newcomer's floor is capped by the window's length.
    expect(w.get('brand-new')?.recent).toEqual({ demandTokens: 1000, coveredSeconds: 240 });
  });

  it('half a minute later the running minute counts up to now', async () => {
    const store = await storeWith();
    await store.addUsage([{ agent: 'steady', minute: M, demand: 300, consumed: 300 }]);
    const w = await windowsAt(store, T + 30_000);
    expect(w.get('steady')).toEqual({
      recent: { demandTokens: 2700, coveredSeconds: 270 },
      lastHour: { demandTokens: 35_700, coveredSeconds: 3570 },
      sameHourYesterday: { demandTokens: 0, coveredSeconds: 3600 },
      sameHourLastWeek: { demandTokens: 72_000, coveredSeconds: 3600 },
    });
    expect(forecast(w.get('steady'))).toBeCloseTo(300, 9);
  });

  it('fleet mode: the running minute comes from the signals, and counts up to now', async () => {
    const store = await storeWith();
    // Written to the store in the running minute (by any proxy, even after the tick start): not read in fleet mode.
    await store.addUsage([{ agent: 'steady', minute: M, demand: 50_000, consumed: 50_000 }]);
    const w = await windowsAt(store, T + 30_000, { partial: { steady: { demand: 300, consumed: 300 }, quiet: { demand: 60, consumed: 60 } } });
    expect(w.get('steady')).toEqual({
      recent: { demandTokens: 2700, coveredSeconds: 270 },
      lastHour: { demandTokens: 35_700, coveredSeconds: 3570 },
      sameHourYesterday: { demandTokens: 0, coveredSeconds: 3600 },
      sameHourLastWeek: { demandTokens: 72_000, coveredSeconds: 3600 },
    });
    expect(w.get('quiet')).toEqual({
      recent: { demandTokens: 60, coveredSeconds: 270 },
      lastHour: { demandTokens: 60, coveredSeconds: 3570 },
      sameHourYesterday: { demandTokens: 6000, coveredSeconds: 3600 },
    });
    // (0.5 × 60/270 + 0.2 × 60/3,570 + 0.15 × 6,000/3,600) / 0.85 tokens/s, × 30 s.
    expect(forecast(w.get('quiet'))).toBeCloseTo(((0.5 * (60 / 270) + 0.2 * (60 / 3570) + 0.15 * (6000 / 3600)) / 0.85) * 30, 9);
  });
});
