import { describe, expect, it } from 'vitest';
import {
  allocate,
  allocationPolicy,
  blankProductivity,
  burstReserve,
  deadlineFactorFor,
  DuplicateAgentError,
  forecastDemand,
  meanDecayOverWindow,
  priorityWeight,
  productivityScore,
  productivityScorer,
  rawProductivity,
  waterFill,
  windowsFromBuckets,
} from '../../src/allocation/index.js';
import type { AgentInput, AllocationPolicy } from '../../src/allocation/index.js';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

describe('demand forecast', () => {
  const policy = allocationPolicy({ tickSeconds: 30 });
  it('weights the windows 0.4/0.3 renormalised to 4/7 and 3/7 when last week is missing', () => {
    // 10 tokens/s over 600 s of last hour; 20 tokens/s yesterday: (4·10 + 3·20)/7 = 100/7 per second.
    const f = forecastDemand({ lastHour: { demandTokens: 6000, coveredSeconds: 600 }, sameHourYesterday: { demandTokens: 72_000, coveredSeconds: 3600 } }, 0, policy);
    expect(f.windows[0]?.weight).toBeCloseTo(4 / 7, 12);
    expect(f.windows[1]?.weight).toBeCloseTo(3 / 7, 12);
    expect(f.historical).toBeCloseTo((100 / 7) * 30, 9);
    expect(f.forecast).toBeCloseTo(3000 / 7, 9);
  });
  it('reads ten minutes of history as ten minutes, not an hour', () => {
    const f = forecastDemand({ lastHour: { demandTokens: 6000, coveredSeconds: 600 } }, 0, policy);
    expect(f.historical).toBe(300); // 10 tokens/s × 30 s
  });
  it('pulls the forecast toward queued demand', () => {
    const usage = { lastHour: { demandTokens: 36_000, coveredSeconds: 3600 } }; // 10/s → 300 per tick
    expect(forecastDemand(usage, 1000, policy).forecast).toBe(1000);
    expect(forecastDemand(usage, 1000, { ...policy, queuePull: 0.5 }).forecast).toBe(650);
    expect(forecastDemand(usage, 100, policy).forecast).toBe(300);
  });
  it('is zero with no history at all', () => {
    expect(forecastDemand({}, 0, policy).forecast).toBe(0);
  });
});

describe('windowsFromBuckets', () => {
  it('counts coverage only from the start of history', () => {
    const buckets = Array.from({ length: 10 }, (_, i) => ({ start: NOW - (10 - i) * MIN, demandTokens: 100 }));
    const w = windowsFromBuckets(buckets, { now: NOW, bucketMs: MIN, historyStart: NOW - 10 * MIN });
    expect(w).toEqual({ recent: { demandTokens: 500, coveredSeconds: 300 }, lastHour: { demandTokens: 1000, coveredSeconds: 600 } });
  });
  it('interpolates hourly buckets and takes a filling bucket as demand so far', () => {
    const buckets = [
      { start: NOW - 1.5 * HOUR, demandTokens: 3600 }, // half inside the last hour → 1800
      { start: NOW - 0.5 * HOUR, demandTokens: 900 }, // still filling: all of it is in [start, now)
      { start: NOW - 25 * HOUR, demandTokens: 7200 }, // yesterday's window is exactly this hour
      { start: NOW - 24.5 * HOUR, demandTokens: 1000 }, // half of it overlaps yesterday's window → 500
    ];
    const w = windowsFromBuckets(buckets, { now: NOW, bucketMs: HOUR, historyStart: NOW - 30 * HOUR });
    expect(w.lastHour).toEqual({ demandTokens: 2700, coveredSeconds: 3600 });
    expect(w.recent).toEqual({ demandTokens: 150, coveredSeconds: 300 }); // 5 of the filling bucket's 30 minutes
    expect(w.sameHourYesterday).toEqual({ demandTokens: 7700, coveredSeconds: 3600 });
    expect(w.sameHourLastWeek).toBeUndefined();
  });
});

describe('productivity', () => {
  const policy = { scoringWindowSeconds: 3600, scoreHalfLifeSeconds: 1800 };
  it('mean decay over a window of two half-lives is (1 − 1/4) / (2 ln 2)', () => {
    expect(meanDecayOverWindow(3600, 1800)).toBeCloseTo(0.75 / (2 * Math.LN2), 12);
  });
  it('decays outcomes by age and spreads unattributed tokens over the window', () => {
    const r = rawProductivity(
      {
        tokensConsumed: 10_000,
        outcomes: [
          { at: NOW, completed: true, quality: 1 }, // weight 1
          { at: NOW - 1800_000, completed: true, quality: 0.5 }, // one half-life: 0.25
          { at: NOW - 600_000, completed: false, quality: 1 }, // not completed: nothing
          { at: NOW - 4000_000, completed: true, quality: 1 }, // outside the window
        ],
      },
      NOW,
      policy,
    );
    expect(r.tasksCompleted).toBe(2);
    expect(r.decayedQualityTasks).toBeCloseTo(1.25, 12);
    expect(r.decayedTokens).toBeCloseTo(10_000 * (0.75 / (2 * Math.LN2)), 6);
    expect(r.productivity).toBeCloseTo(1.25 / (10_000 * (0.75 / (2 * Math.LN2))), 12);
  });
  it('without decay P is quality-weighted tasks per token', () => {
    const r = rawProductivity({ tokensConsumed: 10_000, outcomes: [{ at: NOW, completed: true, quality: 1 }, { at: NOW - 1800_000, completed: true, quality: 0.5 }] }, NOW, { ...policy, scoreHalfLifeSeconds: 0 });
    expect(r.productivity).toBe(1.5 / 10_000);
  });
  it('decays attributed tokens with their task', () => {
    // 4000 tokens on a task one half-life old (→ 2000), 6000 unattributed (→ 6000 × 0.5410…).
    const r = rawProductivity({ tokensConsumed: 10_000, outcomes: [{ at: NOW - 1800_000, completed: true, quality: 1, tokens: 4000 }] }, NOW, policy);
    expect(r.decayedTokens).toBeCloseTo(2000 + 6000 * (0.75 / (2 * Math.LN2)), 6);
  });
  it('normalises by the mean and mixes in prior pseudo-tasks', () => {
    // P twice the mean, two tasks of evidence, two pseudo-tasks at 1: (2·2 + 2·1) / 4 = 1.5.
    expect(productivityScore(2e-4, 1e-4, 2, 2)).toEqual({ normalised: 2, score: 1.5 });
    expect(productivityScore(2e-4, 1e-4, 2, 0)).toEqual({ normalised: 2, score: 2 });
    expect(productivityScore(0, 0, 0, 2)).toEqual({ normalised: 1, score: 1 });
  });
  it('a fleet scorer gives what rawProductivity gives, into a reused record when asked', () => {
    const score = productivityScorer(policy);
    const scratch = blankProductivity();
    const agents = [
      { tokensConsumed: 10_000, outcomes: [{ at: NOW - 1800_000, completed: true, quality: 1, tokens: 4000 }] },
      { tokensConsumed: 50_000, outcomes: [{ at: NOW - 60_000, completed: true, quality: 0.5 }, { at: NOW - 120_000, completed: false, quality: 0 }] },
      { tokensConsumed: 0, outcomes: [] },
    ];
    for (const agent of agents) {
      const fresh = rawProductivity(agent, NOW, policy);
      expect(score(agent, NOW)).toEqual(fresh);
      expect(score(agent, NOW, scratch)).toBe(scratch);
      expect(scratch).toEqual(fresh);
    }
  });
});

describe('priority weight', () => {
  const policy = allocationPolicy({ taskTypeClasses: { 'incident-response': 'critical' } });
  it('bounds the deadline and dependency factors at their maxFactor, however urgent the claim', () => {
    // A deadline 5 s away on every request and 999,999 tasks blocked: 2 × 2 at most by default.
    const greedy = { hints: { nearestDeadline: NOW + 5000, blocking: 999_999 } };
    const p = priorityWeight(greedy, NOW, policy);
    expect(p.deadlineFactor).toBeCloseTo(1 + (1 - 5 / 3600), 12);
    expect(p.dependencyFactor).toBe(2);
    expect(priorityWeight({ hints: { nearestDeadline: NOW - 1000, blocking: 999_999 } }, NOW, policy).priorityWeight).toBe(4);
    // Operators can take the claims' weight away (1) or allow more.
    const strict = allocationPolicy({ deadline: { maxFactor: 1 }, dependency: { maxFactor: 1 } });
    expect(priorityWeight(greedy, NOW, strict)).toMatchObject({ deadlineFactor: 1, dependencyFactor: 1, priorityWeight: 1, deadlineSecondsLeft: 5, blocking: 999_999 });
    const lenient = allocationPolicy({ deadline: { maxFactor: 3 }, dependency: { maxFactor: 1.5 } });
    expect(priorityWeight({ hints: { nearestDeadline: NOW, blocking: 4 } }, NOW, lenient)).toMatchObject({ deadlineFactor: 3, dependencyFactor: 1.5, priorityWeight: 4.5 });
  });
  it('caps every class source at the ceiling and says which claim was made', () => {
    expect(priorityWeight({ priorityCeiling: 'high', hints: { taskType: 'incident-response' } }, NOW, policy)).toMatchObject({
      class: 'high', classSource: 'taskType', taskTypeClass: 'critical', requestedClass: null, ceiling: 'high', ceilingApplied: true, classWeight: 2,
    });
    expect(priorityWeight({ priorityCeiling: 'normal', criticality: 'high' }, NOW, policy)).toMatchObject({ class: 'normal', classSource: 'criticality', criticality: 'high', ceilingApplied: true });
    expect(priorityWeight({ priorityCeiling: 'high', criticality: 'high', hints: { priorityClass: 'low' } }, NOW, policy)).toMatchObject({ class: 'low', classSource: 'hint', ceilingApplied: false });
  });
  it('multiplies class, deadline and dependency factors', () => {
    // high 2 × deadline (900 s left of 3600: 1 + 1 × 0.75) × dependency (1 + 0.25 × 2) = 2 × 1.75 × 1.5
    const p = priorityWeight({ hints: { priorityClass: 'high', nearestDeadline: NOW + 900_000, blocking: 2 } }, NOW, policy);
    expect(p.deadlineFactor).toBe(1.75);
    expect(p.dependencyFactor).toBe(1.5);
    expect(p.priorityWeight).toBe(5.25);
  });
  it('bounds the deadline and dependency factors', () => {
    expect(deadlineFactorFor(-100, 3600, 2)).toBe(2);
    expect(deadlineFactorFor(7200, 3600, 2)).toBe(1);
    const p = priorityWeight({ hints: { blocking: 100 } }, NOW, policy);
    expect(p.dependencyFactor).toBe(2);
  });
  it('takes the higher of hint and task type, falls back to criticality, and respects the ceiling', () => {
    expect(priorityWeight({ hints: { priorityClass: 'low', taskType: 'incident-response' } }, NOW, policy).class).toBe('critical');
    expect(priorityWeight({ criticality: 'high' }, NOW, policy).classWeight).toBe(2);
    const capped = priorityWeight({ priorityCeiling: 'normal', hints: { priorityClass: 'critical' } }, NOW, policy);
    expect(capped.class).toBe('normal');
    expect(capped.ceilingApplied).toBe(true);
    expect(priorityWeight({ hints: { taskType: 'toString' } }, NOW, policy).class).toBe('normal');
  });
});

describe('burst reserve', () => {
  it('is the volatility multiple of the demand stddev, within bounds', () => {
    // stddev of 100, 200, 300 = sqrt(20000 / 3) ≈ 81.65
    const b = burstReserve([100, 200, 300], 1000, { minFraction: 0.02, maxFraction: 0.1, volatilityMultiplier: 1 });
    expect(b.reserve).toBeCloseTo(Math.sqrt(20000 / 3), 9);
    expect(burstReserve([100, 200, 300], 1000, { minFraction: 0.02, maxFraction: 0.1, volatilityMultiplier: 2 }).reserve).toBe(100);
    expect(burstReserve([5], 1000, { minFraction: 0.02, maxFraction: 0.1, volatilityMultiplier: 2 }).reserve).toBe(20);
  });
});

describe('water-filling', () => {
  it('shares in proportion to weight', () => {
    const r = waterFill([{ weight: 1, lo: 0, hi: 1000 }, { weight: 2, lo: 0, hi: 1000 }, { weight: 3, lo: 0, hi: 1000 }], 600);
    expect(Array.from(r.amounts)).toEqual([100, 200, 300]);
  });
  it('re-spreads a capped surplus and holds the floor', () => {
    const r = waterFill([{ weight: 1, lo: 0, hi: 50 }, { weight: 2, lo: 0, hi: 1000 }, { weight: 3, lo: 0, hi: 1000 }, { weight: 0.01, lo: 10, hi: 1000 }], 610);
    expect(r.amounts[0]).toBe(50);
    expect(r.amounts[1]).toBeCloseTo(220, 9);
    expect(r.amounts[2]).toBeCloseTo(330, 9);
    expect(r.amounts[3]).toBe(10);
    expect(Array.from(r.bound)).toEqual([2, 1, 1, 0]);
  });
  it('stops at the caps when they sum to less than the total', () => {
    const r = waterFill([{ weight: 1, lo: 0, hi: 50 }, { weight: 1, lo: 0, hi: 70 }], 1000);
    expect(Array.from(r.amounts)).toEqual([50, 70]);
  });
  it('fills an uncapped claimant with the rest', () => {
    const r = waterFill([{ weight: 1, lo: 0, hi: Infinity }, { weight: 1, lo: 0, hi: 10 }], 100);
    expect(r.amounts[0]).toBeCloseTo(90, 9);
    expect(r.amounts[1]).toBe(10);
  });
  it('a vanishing weight neither overfills nor stops the others short', () => {
    const r = waterFill([{ weight: 1e-310, lo: 0, hi: 1000 }, { weight: 1, lo: 0, hi: 1000 }, { weight: 1, lo: 0, hi: 1000 }], 1500);
    expect(r.amounts[1]).toBeCloseTo(750, 9);
    expect(r.amounts[2]).toBeCloseTo(750, 9);
    expect(Array.from(r.amounts).reduce((s, a) => s + a, 0)).toBeLessThanOrEqual(1500 * (1 + 1e-12));
  });
});

describe('allocate: the worked example of docs/allocation.md', () => {
  const policy: AllocationPolicy = allocationPolicy({
    tokensPerMinute: 60_000,
    tickSeconds: 60,
    burst: { minFraction: 0.05, maxFraction: 0.1, volatilityMultiplier: 1 },
    floorTokensPerMinute: 1000,
    scorePriorTasks: 0,
    scoreHalfLifeSeconds: 0,
    calibration: { minTasks: 1, minTokens: 1, minSeconds: 600 },
    newcomers: { reserveFraction: 0 },
  });
  const tasks = (n: number, quality: number) => Array.from({ length: n }, (_, i) => ({ at: NOW - i * MIN, completed: true, quality }));
  const lastHour = (demandTokens: number) => ({ lastHour: { demandTokens, coveredSeconds: 3600 } });
  const agents: AgentInput[] = [
    { agent: 'a', firstSeen: NOW - 10 * HOUR, usage: lastHour(900_000), outcomes: tasks(4, 1), tokensConsumed: 20_000 },
    { agent: 'b', firstSeen: NOW - 10 * HOUR, usage: lastHour(3_600_000), outcomes: tasks(2, 1), tokensConsumed: 20_000, hints: { priorityClass: 'high' } },
    { agent: 'c', firstSeen: NOW - 10 * HOUR, usage: lastHour(3_600_000), outcomes: tasks(1, 0.2), tokensConsumed: 50_000 },
    { agent: 'd', firstSeen: NOW - MIN, usage: {}, outcomes: [], tokensConsumed: 0 },
  ];
  const table = allocate({ policy, agents, fleet: { recentAggregateDemand: [] } }, NOW);
  const by = (id: string) => table.agents.find((a) => a.agent === id);

  it('sets aside the reserve, the baseline, then water-fills', () => {
    expect(table.pool).toBe(60_000);
    expect(table.tick).toBe(Math.floor(NOW / 60_000));
    expect(table.burst.reserve).toBe(3000);
    expect(table.burst.leftover).toBeCloseTo(0, 6);
    expect(table.burst.capacity).toBeCloseTo(3000, 6);
    expect(by('d')).toMatchObject({ allocation: 14_250, boundBy: 'baseline', calibrating: true }); // (60000 − 3000) / 4
    // Scarce tick: a is capped at its forecast (headroom only from slack); b takes the rest above c's floor.
    expect(by('a')).toMatchObject({ allocation: 15_000, boundBy: 'cap', forecast: 15_000 });
    expect(by('a')?.explanation).toMatchObject({ cap: 15_000, headroomCap: 18_750 });
    expect(by('b')?.allocation).toBeCloseTo(42_750 - 15_000 - 1000, 6);
    expect(by('b')?.boundBy).toBe('share');
    expect(by('c')).toMatchObject({ allocation: 1000, boundBy: 'floor' });
    expect(by('a')?.score).toBeCloseTo(2e-4 / (3.04e-4 / 3), 12);
    expect(by('b')?.priorityWeight).toBe(2);
    expect(by('b')?.tokensPerMinute).toBeCloseTo(26_750, 6);
  });

  it('with the single pass of DESIGN §6, headroom is part of the cap from the start', () => {
    const t = allocate({ policy: { ...policy, headroomFromSlackOnly: false }, agents, fleet: { recentAggregateDemand: [] } }, NOW);
    const row = (id: string) => t.agents.find((a) => a.agent === id);
    expect(row('a')).toMatchObject({ allocation: 18_750, boundBy: 'cap' }); // 15000 × 1.25
    expect(row('b')?.allocation).toBeCloseTo(23_000, 6); // 42750 − 18750 − 1000
    expect(row('c')).toMatchObject({ allocation: 1000, boundBy: 'floor' });
  });

  it('grants headroom once every forecast is met', () => {
    const roomy = agents.slice(0, 3).map((a) => ({ ...a, usage: lastHour(600_000) })); // 10000 per tick each
    const t = allocate({ policy, agents: roomy, fleet: { recentAggregateDemand: [] } }, NOW);
    // 57000 to fill, forecasts 30000 in all: the fill level continues past the forecasts up to 12500 each.
    for (const a of t.agents) expect(a).toMatchObject({ boundBy: 'cap', allocation: expect.closeTo(12_500, 6) });
    expect(t.burst.leftover).toBeCloseTo(57_000 - 37_500, 6);
  });

  it('sends what nobody can use to the burst buffer', () => {
    const quiet = agents.slice(0, 3).map((a) => ({ ...a, usage: lastHour(60_000) })); // 1000 per tick → cap 1250
    const t = allocate({ policy, agents: quiet, fleet: { recentAggregateDemand: [] } }, NOW);
    for (const a of t.agents) expect(a).toMatchObject({ boundBy: 'cap', allocation: expect.closeTo(1250, 6) });
    expect(t.burst.leftover).toBeCloseTo(57_000 - 3750, 6);
    expect(t.burst.capacity).toBeCloseTo(60_000 - 3750, 6);
  });

  it('honours overrides beyond the pool and gives everyone else the floor', () => {
    const over = agents.map((a) => (a.agent === 'a' ? { ...a, override: { tokensPerMinute: 70_000 } } : a));
    const t = allocate({ policy, agents: over, fleet: { recentAggregateDemand: [] } }, NOW);
    expect(t.overcommitted).toBe(true);
    expect(t.agents.map((a) => [a.agent, a.allocation, a.boundBy])).toEqual([
      ['a', 70_000, 'override'],
      ['b', 1000, 'overcommitted'],
      ['c', 1000, 'overcommitted'],
      ['d', 1000, 'overcommitted'],
    ]);
    expect(t.burst.capacity).toBe(0);
  });

  it('caps the baseline of an established agent that is calibrating only for want of recent tokens', () => {
    // Ten hours old, no outcomes in the window, 2000 tokens per tick forecast: min(14250, 2000 × 1.25).
    const idle: AgentInput = { agent: 'e', firstSeen: NOW - 10 * HOUR, usage: lastHour(120_000), outcomes: [], tokensConsumed: 0 };
    const t = allocate({ policy, agents: [...agents, idle], fleet: { recentAggregateDemand: [] } }, NOW);
    const e = t.agents.find((a) => a.agent === 'e');
    expect(e).toMatchObject({ calibrating: true, boundBy: 'cap', allocation: expect.closeTo(2500, 6) });
    expect(t.agents.find((a) => a.agent === 'd')).toMatchObject({ boundBy: 'baseline', allocation: 11_400 }); // (60000 − 3000) / 5
  });

  it('explains each row with the figures of the formulas it ran, built once and serialised with the row', () => {
    for (const input of agents) {
      const row = by(input.agent);
      const e = row?.explanation;
      expect(e?.forecast).toEqual(forecastDemand(input.usage, 0, policy));
      expect(e?.priority).toEqual(priorityWeight(input, NOW, policy));
      const raw = rawProductivity(input, NOW, policy);
      expect(e?.productivity).toMatchObject({ ...raw, score: row?.score, normalised: row?.calibrating ? 0 : raw.productivity / (3.04e-4 / 3), meanProductivity: expect.closeTo(3.04e-4 / 3, 12) });
      expect(e?.calibration.calibrating).toBe(row?.calibrating);
      expect(e?.shareWeight).toBeCloseTo((row?.score ?? NaN) * (row?.priorityWeight ?? NaN), 12);
      expect(row?.explanation).toBe(e);
      expect(JSON.parse(JSON.stringify(row))).toEqual(JSON.parse(JSON.stringify({ ...row, explanation: e })));
    }
    expect(by('d')?.explanation.calibration.missing).toEqual(['tokens', 'seconds']);
    expect(by('c')?.explanation.rule).toMatch(/floor/);
  });

  it('refuses two inputs for the same agent', () => {
    expect(() => allocate({ policy, agents: [agents[0] as AgentInput, agents[0] as AgentInput], fleet: { recentAggregateDemand: [] } }, NOW)).toThrow(DuplicateAgentError);
  });
});
