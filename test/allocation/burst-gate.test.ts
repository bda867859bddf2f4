import { describe, expect, it } from 'vitest';
import { allocate, allocationPolicy, fairShare } from '../../src/allocation/index.js';
import type { AgentInput, AllocationInput } from '../../src/allocation/index.js';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const HOUR = 3_600_000;

/** A scored agent asking `perMinute` tokens a minute for the last hour, of class `cls`. */
function agent(id: string, cls: 'critical' | 'high' | 'normal' | 'low', perMinute: number): AgentInput {
  return {
    agent: id,
    firstSeen: NOW - 2 * HOUR,
    hints: { priorityClass: cls },
    usage: { lastHour: { demandTokens: perMinute * 60, coveredSeconds: 3600 } },
    outcomes: Array.from({ length: 10 }, (_, i) => ({ at: NOW - i * 60_000, completed: true, quality: 0.8 })),
    tokensConsumed: perMinute * 60,
  };
}

function input(burst: { minClass?: 'high' }, agents: AgentInput[]): AllocationInput {
  // Volatile aggregate demand: the reserve would be its maximum, 10% of the pool. No newcomer reserve, so the
  // whole pool is the agents' and the burst buffer's.
  const policy = allocationPolicy({ tokensPerMinute: 100_000, tickSeconds: 60, burst, newcomers: { reserveFraction: 0 } });
  return { policy, agents, fleet: { recentAggregateDemand: [0, 200_000, 0, 200_000] } };
}

describe('burst reserve under a class gate', () => {
  it('shares the reserve no agent allowed to burst could draw, in a scarce tick', () => {
    const agents = [agent('a', 'normal', 80_000), agent('b', 'low', 80_000)];
    const ungated = allocate(input({}, agents), NOW);
    expect(ungated.burst.reserve).toBeCloseTo(10_000, 6);
    const gated = allocate(input({ minClass: 'high' }, agents), NOW);
    expect(gated.burst.reserve).toBe(0);
    const total = gated.agents.reduce((s, r) => s + r.allocation, 0);
    expect(total).toBeCloseTo(100_000, 6);
  });
  it('keeps the reserve a high agent lacks of its forecast', () => {
    const gated = allocate(input({ minClass: 'high' }, [agent('a', 'normal', 80_000), agent('h', 'high', 80_000)]), NOW);
    expect(gated.burst.reserve).toBeCloseTo(10_000, 6);
  });
});

describe('fairShare', () => {
  it('water-fills the pool after the reserve equally, capped at each forecast, the rest to the burst buffer', () => {
    const f = fairShare(input({}, [agent('small', 'critical', 10_000), agent('big', 'low', 200_000), agent('mid', 'normal', 50_000)]));
    // 90,000 after the 10% reserve: small takes its 10,000, the other two split 80,000 equally.
    expect([...f.allocations].map((x) => Math.round(x))).toEqual([10_000, 40_000, 40_000]);
    expect(f.burstCapacity).toBeCloseTo(10_000, 6);
  });
});
