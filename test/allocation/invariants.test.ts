import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, allocationPolicy, burstReserve, forecastDemand, forecastTokens, perTick, waterFill } from '../../src/allocation/index.js';
import type { AgentInput, AllocationTable, UsageWindows } from '../../src/allocation/index.js';
import { agentArb, inputArb, NOW, RUNS, usageArb } from './arbitraries.js';

const EPS = 1e-6;
const isOverride = (a: AgentInput) => a.override !== undefined && (a.override.expiresAt === undefined || a.override.expiresAt > NOW);

describe('allocation invariants', () => {
  it('Σ allocations + burst ≤ pool, unless overrides alone exceed it', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const t = allocate(input, NOW);
        const sum = t.agents.reduce((s, a) => s + a.allocation, 0);
        const overrides = input.agents.filter(isOverride).reduce((s, a) => s + perTick(input.policy, a.override?.tokensPerMinute ?? 0), 0);
        expect(t.overcommitted).toBe(overrides > t.pool);
        expect(t.burst.capacity).toBeGreaterThanOrEqual(0);
        if (!t.overcommitted) expect(sum + t.burst.capacity).toBeLessThanOrEqual(t.pool * (1 + EPS) + EPS);
        for (const a of t.agents) expect(Number.isFinite(a.allocation)).toBe(true);
      }),
      RUNS,
    );
  });

  it('Σ allocations + burst capacity + newcomer reserve ≤ pool in every tick, unless overrides alone exceed it', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const t = allocate(input, NOW);
        const sum = t.agents.reduce((s, a) => s + a.allocation, 0);
        expect(t.newcomers.reserve).toBeGreaterThanOrEqual(0);
        expect(t.newcomers.reserve).toBeLessThanOrEqual(input.policy.newcomers.reserveFraction * t.pool * (1 + EPS) + EPS);
        if (t.overcommitted) expect(t.newcomers.reserve).toBe(0);
        else expect(sum + t.burst.capacity + t.newcomers.reserve).toBeLessThanOrEqual(t.pool * (1 + EPS) + EPS);
        // The reserve shrinks only when the minimums leave no room for it.
        if (t.minimumScale === 1 && t.burst.reserve > 0) expect(t.newcomers.reserve).toBeCloseTo(input.policy.newcomers.reserveFraction * t.pool, 6);
      }),
      RUNS,
    );
  });

  it('no allocation below the floor or above its cap unless an override says so', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const t = allocate(input, NOW);
        const floor = perTick(input.policy, input.policy.floorTokensPerMinute);
        for (const a of t.agents) {
          if (a.boundBy === 'override') continue;
          // Floors shrink only when the pool cannot hold every minimum; say so.
          expect(a.allocation).toBeGreaterThanOrEqual(floor * t.minimumScale - EPS);
          if (t.minimumScale === 1 && !a.calibrating) expect(a.allocation).toBeGreaterThanOrEqual(floor - EPS);
          // Only a brand-new agent's baseline may exceed its cap: nothing is known of its demand yet.
          if (!a.explanation.calibration.missing.includes('seconds') && a.boundBy !== 'overcommitted') expect(a.allocation).toBeLessThanOrEqual(Math.max(a.explanation.cap, a.explanation.floor) * (1 + EPS) + EPS);
        }
      }),
      RUNS,
    );
  });

  it('same inputs give the same table, whatever the agents’ order', () => {
    fc.assert(
      fc.property(inputArb, fc.integer(), (input, seed) => {
        const shuffled = [...input.agents].map((a, i) => ({ a, k: Math.sin(seed + i) })).sort((x, y) => x.k - y.k).map((x) => x.a);
        // Through JSON: the rows' explanations are built on demand and serialised with them.
        const one = JSON.parse(JSON.stringify(allocate(input, NOW))) as AllocationTable;
        expect(JSON.parse(JSON.stringify(allocate({ ...input, agents: shuffled }, NOW)))).toEqual(one);
        expect(JSON.parse(JSON.stringify(allocate(input, NOW)))).toEqual(one);
        expect(one.agents.map((a) => a.agent)).toEqual([...one.agents.map((a) => a.agent)].sort());
      }),
      RUNS,
    );
  });

  it('a higher score never gets less, all else equal', () => {
    fc.assert(
      fc.property(inputArb, agentArb('twin'), fc.double({ min: 0.01, max: 0.5, noNaN: true }), (input, base, better) => {
        const plain: AgentInput = { ...base, override: undefined, firstSeen: NOW - 86_400_000, tokensConsumed: 100_000, outcomes: Array.from({ length: 5 }, (_, i) => ({ at: NOW - i * 60_000, completed: true, quality: 0.4 })) };
        const high: AgentInput = { ...plain, agent: 'twin-high', outcomes: plain.outcomes.map((o) => ({ ...o, quality: o.quality + better })) };
        const t = allocate({ ...input, agents: [...input.agents, plain, high] }, NOW);
        const lo = t.agents.find((a) => a.agent === 'twin');
        const hi = t.agents.find((a) => a.agent === 'twin-high');
        expect(hi?.score).toBeGreaterThan(lo?.score ?? Infinity);
        expect(hi?.allocation).toBeGreaterThanOrEqual((lo?.allocation ?? Infinity) - EPS);
      }),
      RUNS,
    );
  });

  it('a new agent gets exactly the baseline', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const newcomer: AgentInput = { agent: 'newcomer', firstSeen: NOW - 1000, usage: {}, outcomes: [], tokensConsumed: 0 };
        const agents = [...input.agents.map((a) => ({ ...a, override: undefined })), newcomer];
        const t = allocate({ ...input, agents }, NOW);
        const pool = perTick(input.policy, input.policy.tokensPerMinute);
        const reserve = burstReserve(input.fleet.recentAggregateDemand, pool, input.policy.burst).reserve + input.policy.newcomers.reserveFraction * pool;
        const configured = input.policy.baseline.tokensPerMinute !== undefined ? perTick(input.policy, input.policy.baseline.tokensPerMinute) : Math.max(0, pool - reserve) / agents.length;
        const baseline = Math.max(configured, perTick(input.policy, input.policy.floorTokensPerMinute));
        const n = t.agents.find((a) => a.agent === 'newcomer');
        expect(n?.calibrating).toBe(true);
        expect(n?.boundBy).toBe('baseline');
        if (t.minimumScale === 1) expect(n?.allocation).toBe(baseline);
        else expect(n?.allocation).toBeCloseTo(baseline * t.minimumScale, 6);
        // With the default baseline (an equal share) the minimums always fit.
        if (input.policy.baseline.tokensPerMinute === undefined && input.policy.floorTokensPerMinute * agents.length <= input.policy.tokensPerMinute * 0.5) expect(t.minimumScale).toBe(1);
      }),
      RUNS,
    );
  });

  it('overrides are honoured while active and forgotten once expired', () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: -60_000, max: 60_000 }), (input, tpm, expiresIn) => {
        const [first, ...rest] = input.agents as [AgentInput, ...AgentInput[]];
        const withOverride = { ...first, override: { tokensPerMinute: tpm, expiresAt: NOW + expiresIn } };
        const t = allocate({ ...input, agents: [withOverride, ...rest] }, NOW);
        const a = t.agents.find((x) => x.agent === first.agent);
        if (expiresIn > 0) {
          expect(a?.boundBy).toBe('override');
          expect(a?.allocation).toBe(perTick(input.policy, tpm));
          expect(a?.explanation.override?.active).toBe(true);
        } else {
          const without = allocate({ ...input, agents: [{ ...first, override: undefined }, ...rest] }, NOW);
          expect(a?.boundBy).not.toBe('override');
          expect(a?.allocation).toBe(without.agents.find((x) => x.agent === first.agent)?.allocation);
          expect(a?.explanation.override?.active).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('demand weights renormalise over the windows that have data', () => {
    const names = ['lastHour', 'sameHourYesterday', 'sameHourLastWeek'] as const;
    fc.assert(
      fc.property(usageArb, fc.integer({ min: 1, max: 1000 }), (usage, rate) => {
        const policy = allocationPolicy();
        const f = forecastDemand(usage, 0, policy);
        const present = names.filter((n) => usage[n] !== undefined);
        expect(f.windows.map((w) => w.window)).toEqual(present);
        if (present.length > 0) expect(f.windows.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 12);
        const raw = present.reduce((s, n) => s + policy.demandWeights[n], 0);
        for (const w of f.windows) expect(w.weight).toBeCloseTo(policy.demandWeights[w.window] / raw, 12);
        // Windows that agree on a rate forecast that rate, however many of them there are.
        const same: UsageWindows = {};
        for (const n of present) same[n] = { demandTokens: rate * (usage[n]?.coveredSeconds ?? 0), coveredSeconds: usage[n]?.coveredSeconds ?? 0 };
        expect(forecastDemand(same, 0, policy).historical).toBeCloseTo(present.length > 0 ? rate * policy.tickSeconds : 0, 6);
        // The engine's hot path forecasts exactly what the explanation shows.
        for (const queued of [0, rate * 100]) expect(forecastTokens(usage, queued, policy)).toBe(forecastDemand(usage, queued, policy).forecast);
      }),
      { numRuns: 300 },
    );
  });
});

describe('water-filling', () => {
  const itemArb = fc
    .record({ weight: fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 100, noNaN: true })), lo: fc.double({ min: 0, max: 1000, noNaN: true }), extra: fc.double({ min: 0, max: 10_000, noNaN: true }) })
    .map((r) => ({ weight: r.weight, lo: r.lo, hi: r.lo + r.extra }));
  it('fills to the total (or every cap), within bounds, one level for all between their bounds', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (items, f) => {
        const loSum = items.reduce((s, it) => s + it.lo, 0);
        const hiSum = items.reduce((s, it) => s + it.hi, 0);
        const total = loSum + f * (hiSum - loSum) * 1.2;
        const r = waterFill(items, total);
        const sum = Array.from(r.amounts).reduce((s, x) => s + x, 0);
        // An item without weight never rises above its floor.
        const reachable = items.reduce((s, it) => s + (it.weight > 0 ? it.hi : it.lo), 0);
        expect(sum).toBeCloseTo(Math.min(total, reachable), 5);
        expect(sum).toBeLessThanOrEqual(Math.min(total, reachable) * (1 + 1e-9) + 1e-9);
        items.forEach((it, i) => {
          const a = r.amounts[i] as number;
          expect(a).toBeGreaterThanOrEqual(it.lo);
          expect(a).toBeLessThanOrEqual(it.hi);
          if (r.bound[i] === 1) expect(a / it.weight).toBeCloseTo(r.level, 6);
          // Nobody below the level sits at its floor while it could rise, nor at a cap above it.
          if (r.bound[i] === 0 && it.weight > 0) expect(r.level * it.weight).toBeLessThanOrEqual(it.lo * (1 + 1e-9) + 1e-9);
        });
      }),
      { numRuns: 300 },
    );
  });
});
