import { describe, expect, it } from 'vitest';
import { allocate, allocationPolicy } from '../../src/allocation/index.js';
import type { AgentInput } from '../../src/allocation/index.js';

/**
 * The README's worked example ("The allocation engine"), run through the engine with exactly the settings
 * the README states: defaults everywhere (calibration 3 tasks / 20,000 tokens / 600 s, 30-minute half-life,
 * one-hour scoring window, floor 1,000/min, headroom 0.25) except pool 60,000/min, a 60 s tick and
 * burst.minFraction 0.05. Tasks are reported at `now`; tokens have no task attribution (spread over the hour).
 */
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const HOUR = 3_600_000;

describe('README worked example', () => {
  const policy = allocationPolicy({ tokensPerMinute: 60_000, tickSeconds: 60, burst: { minFraction: 0.05, maxFraction: 0.1, volatilityMultiplier: 1 }, newcomers: { reserveFraction: 0 } });
  const tasks = (n: number, quality: number) => Array.from({ length: n }, () => ({ at: NOW, completed: true, quality }));
  const lastHour = (demandTokens: number) => ({ lastHour: { demandTokens, coveredSeconds: 3600 } });
  const agents: AgentInput[] = [
    { agent: 'a', firstSeen: NOW - 10 * HOUR, usage: lastHour(900_000), outcomes: tasks(4, 1), tokensConsumed: 20_000 },
    { agent: 'b', firstSeen: NOW - 10 * HOUR, usage: lastHour(3_600_000), outcomes: tasks(2, 1), tokensConsumed: 20_000, hints: { priorityClass: 'high' } },
    { agent: 'c', firstSeen: NOW - 10 * HOUR, usage: lastHour(3_600_000), outcomes: tasks(1, 0.2), tokensConsumed: 50_000 },
    { agent: 'd', firstSeen: NOW - 60_000, usage: {}, outcomes: [], tokensConsumed: 0 },
  ];
  const table = allocate({ policy, agents, fleet: { recentAggregateDemand: [] } }, NOW);
  const by = (id: string) => table.agents.find((r) => r.agent === id);

  it('states only settings the engine uses, and its numbers are what the engine computes', () => {
    expect(policy.calibration).toEqual({ minTasks: 3, minTokens: 20_000, minSeconds: 600 });
    expect(table.pool).toBe(60_000);
    expect(table.burst.reserve).toBe(3000);
    // b and c have fewer than 3 tasks but 20,000+ tokens over 10 hours: scored, with a provisional score.
    expect(by('b')?.explanation.calibration).toMatchObject({ calibrating: false, provisional: true });
    expect(by('c')?.explanation.calibration).toMatchObject({ calibrating: false, provisional: true });
    expect(by('a')?.explanation.calibration).toMatchObject({ calibrating: false, provisional: false });
    expect(by('d')).toMatchObject({ calibrating: true, boundBy: 'baseline', allocation: 14_250 });
    expect(by('a')?.productivity).toBeCloseTo(3.697e-4, 7);
    expect(by('b')?.productivity).toBeCloseTo(1.848e-4, 7);
    expect(by('c')?.productivity).toBeCloseTo(7.39e-6, 8);
    expect(by('a')?.explanation.productivity.meanProductivity).toBeCloseTo(1.873e-4, 7);
    expect(by('a')?.score).toBeCloseTo(1.974, 3);
    expect(by('b')?.score).toBeCloseTo(0.987, 3);
    expect(by('c')?.score).toBeCloseTo(0.039, 3);
    expect(by('a')).toMatchObject({ boundBy: 'cap', allocation: 15_000 });
    expect(by('c')).toMatchObject({ boundBy: 'floor', allocation: 1000 });
    expect(by('b')?.boundBy).toBe('share');
    expect(by('b')?.allocation).toBeCloseTo(26_750, 6);
    expect(table.burst.capacity).toBeCloseTo(3000, 6);
  });
});
