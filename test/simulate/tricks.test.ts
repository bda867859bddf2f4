import { describe, expect, it } from 'vitest';
import { leastProductiveAgent, parseScenario, renderTricks, runSimulation, runTricks } from '../../src/simulate/index.js';
import type { PolicyResult, ScenarioInput, SimulationReport } from '../../src/simulate/index.js';

/** Four agents over-asking a pool for a day: `poor` is the least productive. */
const FLEET: ScenarioInput = {
  name: 'tricks',
  days: 1,
  historyDays: 0.5,
  tokensPerMinute: 120_000,
  agents: [
    { id: 'good', class: 'high', tokensPerTask: 5000, quality: 0.9, demandTokensPerMinute: 60_000, deadlineMinutes: 30 },
    { id: 'steady', tokensPerTask: 12_000, quality: 0.8, demandTokensPerMinute: 50_000, dailyAmplitude: 0.5 },
    { id: 'poor', tokensPerTask: 40_000, quality: 0.4, demandTokensPerMinute: 60_000, dailyAmplitude: 0.3 },
    { id: 'late', tokensPerTask: 8000, quality: 0.7, demandTokensPerMinute: 20_000, joinsAtHour: 3 },
  ],
};

function withBehaviour(behaviour: Record<string, unknown>, agent = 'poor'): ScenarioInput {
  return { ...FLEET, agents: FLEET.agents.map((a) => (a.id === agent ? { ...a, behaviour } : a)) };
}

function policy(report: SimulationReport, name: PolicyResult['policy']): PolicyResult {
  const p = report.policies.find((x) => x.policy === name);
  if (p === undefined) throw new Error(`no ${name}`);
  return p;
}

describe('agent behaviours in scenario files', () => {
  it('default to honest, and files without them run as before', () => {
    expect(parseScenario(FLEET).agents[2]?.behaviour).toEqual({ silent: false, retries: 0 });
    const honest = runSimulation(FLEET, 4, ['fair', 'dynamic']);
    expect(runSimulation(withBehaviour({ silent: false, retries: 0 }), 4, ['fair', 'dynamic'])).toEqual(honest);
  });

  it('refuses bad behaviours by name', () => {
    expect(() => parseScenario(withBehaviour({ lies: true }))).toThrow(/agents\.2\.behaviour: .*lies/);
    expect(() => parseScenario(withBehaviour({ retries: -1 }))).toThrow(/agents\.2\.behaviour\.retries/);
    expect(() => parseScenario(withBehaviour({ claims: { class: 'urgent' } }))).toThrow(/agents\.2\.behaviour\.claims\.class/);
    expect(() => parseScenario(withBehaviour({ rotatesIdsEveryMinutes: 0 }))).toThrow(/agents\.2\.behaviour\.rotatesIdsEveryMinutes/);
  });

  it('silence and claims change nothing under fair sharing, which weighs neither reports nor priority (every class may burst)', () => {
    const open: ScenarioInput = { ...FLEET, burstMinClass: 'low' };
    const honest = policy(runSimulation(open, 4, ['fair']), 'fair');
    for (const b of [{ silent: true }, { claims: { class: 'critical', deadlineSeconds: 30 } }]) {
      expect(policy(runSimulation({ ...withBehaviour(b), burstMinClass: 'low' }, 4, ['fair']), 'fair')).toEqual(honest);
    }
  });

  it('caps a claimed class at the proxy default ceiling: claiming critical buys what claiming high does', () => {
    const [critical, high] = [{ class: 'critical' }, { class: 'high' }].map((claims) => policy(runSimulation(withBehaviour({ claims }), 4, ['dynamic']), 'dynamic'));
    expect(critical?.agents.poor).toEqual(high?.agents.poor);
    expect(critical?.agents.poor?.tokensServed).toBeGreaterThan(policy(runSimulation(FLEET, 4, ['dynamic']), 'dynamic').agents.poor?.tokensServed ?? Infinity);
  });

  it('counts retries once in demand, as the proxy does: a retrying agent gets what it gets honest', () => {
    const honest = runSimulation(FLEET, 4, ['fair', 'dynamic']);
    const retrying = runSimulation(withBehaviour({ retries: 2 }), 4, ['fair', 'dynamic']);
    expect(retrying).toEqual(honest);
    // With a tick longer than the proxy's 60 s retry window, a retry lands after the proxy forgot the refusal: new demand.
    const slow = { ...FLEET, tickSeconds: 240 };
    const slowHonest = policy(runSimulation(slow, 4, ['fair']), 'fair').agents.poor?.tokensServed ?? Infinity;
    expect(policy(runSimulation({ ...withBehaviour({ retries: 2 }), tickSeconds: 240 }, 4, ['fair']), 'fair').agents.poor?.tokensServed).toBeGreaterThan(slowHonest);
  });

  it('pays ids no table names from the newcomer reserve, at most the reserve: an agent with a fresh id every tick lives on it', () => {
    const everyTick = withBehaviour({ rotatesIdsEveryMinutes: 0.5 });
    const r = policy(runSimulation(everyTick, 4, ['dynamic']), 'dynamic');
    const served = r.agents.poor?.tokensServed ?? 0;
    expect(served).toBeGreaterThan(0);
    // A day of 10% of the pool is the most the reserve holds.
    expect(served).toBeLessThanOrEqual(0.1 * 120_000 * 24 * 60 + 1);
    const noReserve = policy(runSimulation({ ...everyTick, policy: { newcomers: { reserveFraction: 0 } } }, 4, ['dynamic']), 'dynamic');
    expect(noReserve.agents.poor?.tokensServed).toBe(0);
  });
});

describe('what tricks buy (dynamic engine, the least productive agent)', () => {
  it('silence, rotating ids and retries gain at most +10% over honest; claims are reported as measured', () => {
    const scenario = parseScenario(FLEET);
    expect(leastProductiveAgent(scenario)).toBe('poor');
    const report = runTricks(scenario, 'poor', 4);
    const by = new Map(report.results.map((r) => [r.trick, r]));
    expect(by.get('honest')?.qualityRatio).toBe(1);
    for (const trick of ['silent', 'rotatesIds', 'retries'] as const) {
      const r = by.get(trick);
      expect(r?.qualityRatio, trick).toBeLessThanOrEqual(1.1);
      expect(r?.tokensRatio, trick).toBeLessThanOrEqual(1.1);
    }
    const text = renderTricks(report);
    expect(text).toContain('agent "poor"');
    expect(text).toMatch(/rotatesIds\s+[\d,]+\s+\d\.\d\d×/);
  }, 60_000);
});
