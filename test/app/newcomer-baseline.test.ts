import { describe, expect, it } from 'vitest';
import { allocate, allocationPolicy } from '../../src/allocation/index.js';
import { newcomerBaseline } from '../../src/app/reallocator.js';

describe('the baseline of an agent the table does not name yet', () => {
  const NOW = Date.UTC(2026, 0, 5, 12);
  const policy = allocationPolicy({ tokensPerMinute: 60_000, tickSeconds: 60, floorTokensPerMinute: 1000, burst: { minFraction: 0.05, maxFraction: 0.1, volatilityMultiplier: 1 } });

  it('before any table: the pool less the minimum burst reserve and the newcomer reserve', () => {
    expect(newcomerBaseline(policy, undefined)).toBe(51_000);
  });

  it('is what the engine would give it as one more calibrating agent', () => {
    const agents = ['a', 'b', 'c'].map((agent) => ({ agent, firstSeen: NOW, usage: {}, outcomes: [], tokensConsumed: 0 }));
    const table = allocate({ policy, agents, fleet: { recentAggregateDemand: [] } }, NOW);
    const withNewcomer = allocate({ policy, agents: [...agents, { agent: 'd', firstSeen: NOW, usage: {}, outcomes: [], tokensConsumed: 0 }], fleet: { recentAggregateDemand: [] } }, NOW);
    expect(newcomerBaseline(policy, table)).toBeCloseTo(withNewcomer.agents.find((a) => a.agent === 'd')?.allocation ?? Number.NaN, 9);
    expect(newcomerBaseline(policy, table)).toBeCloseTo(51_000 / 4, 9);
  });

  it('never below the floor, configured or equal share', () => {
    expect(newcomerBaseline({ ...policy, baseline: { tokensPerMinute: 10 } }, undefined)).toBe(1000);
    const crowd = allocate({ policy, agents: Array.from({ length: 200 }, (_, i) => ({ agent: `a${String(i).padStart(3, '0')}`, firstSeen: NOW, usage: {}, outcomes: [], tokensConsumed: 0 })), fleet: { recentAggregateDemand: [] } }, NOW);
    expect(newcomerBaseline(policy, crowd)).toBe(1000);
  });
});
