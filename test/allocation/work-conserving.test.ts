import { describe, expect, it } from 'vitest';
import { allocate, allocationPolicy } from '../../src/allocation/index.js';
import type { AgentInput } from '../../src/allocation/index.js';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const HOUR = 3_600_000;

/** Past calibration (an hour old, 50k tokens in the window), asking `perTick` a tick; `tasks` completed at quality 1. */
function agent(id: string, perTick: number, tasks: number): AgentInput {
  return {
    agent: id,
    firstSeen: NOW - 2 * HOUR,
    usage: { lastHour: { demandTokens: perTick * 60, coveredSeconds: 3600 } },
    outcomes: Array.from({ length: tasks }, (_, i) => ({ at: NOW - i * 60_000, completed: true, quality: 1 })),
    tokensConsumed: 50_000,
  };
}

const policy = allocationPolicy({ tokensPerMinute: 60_000, tickSeconds: 60, burst: { minFraction: 0.05, maxFraction: 0.05 }, newcomers: { reserveFraction: 0 } });
const table = (agents: AgentInput[]) => allocate({ policy, agents, fleet: { recentAggregateDemand: [] } }, NOW);
const row = (t: ReturnType<typeof table>, id: string) => t.agents.find((a) => a.agent === id)!;

describe('work conservation: what scored agents leave goes to agents without a score, not to idle', () => {
  it('an agent that reported nothing gets what the scored agents cannot use, up to its forecast', () => {
    // 57,000 to share; the scored agent asks 10,000, the silent one 30,000: both can have their forecast.
    const t = table([agent('worker', 10_000, 5), agent('silent', 30_000, 0)]);
    expect(row(t, 'silent').productivity).toBe(0);
    expect(row(t, 'silent').allocation).toBeCloseTo(30_000, 6);
    expect(row(t, 'worker').allocation).toBeGreaterThanOrEqual(10_000);
  });

  it('only after every scored agent has its forecast: in scarcity the silent agent keeps the floor', () => {
    const t = table([agent('worker', 70_000, 5), agent('silent', 30_000, 0)]);
    expect(row(t, 'silent').allocation).toBeCloseTo(1000, 6);
    expect(row(t, 'silent').boundBy).toBe('floor');
  });

  it('headroom comes after every forecast: no margin for one agent while another is held below its forecast', () => {
    // 57,000: forecasts 20,000 + 30,000 fit; 7,000 remain for headroom (at most 5,000 for the worker's 25%).
    const t = table([agent('worker', 20_000, 5), agent('silent', 30_000, 0)]);
    expect(row(t, 'silent').allocation).toBeCloseTo(30_000, 6);
    expect(row(t, 'worker').allocation).toBeCloseTo(25_000, 6);
  });
});
