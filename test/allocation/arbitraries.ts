import fc from 'fast-check';
import { allocationPolicy } from '../../src/allocation/index.js';
import { PRIORITIES } from '../../src/domain/priority.js';
import type { AgentInput, AllocationInput, AllocationPolicy, UsageWindow, UsageWindows } from '../../src/allocation/index.js';

/** Random fleets and policies for the engine's property tests. */
export const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
export const RUNS = { numRuns: 150 };

const windowArb: fc.Arbitrary<UsageWindow> = fc.record({
  demandTokens: fc.integer({ min: 0, max: 50_000_000 }),
  coveredSeconds: fc.integer({ min: 1, max: 3600 }),
});
export const usageArb: fc.Arbitrary<UsageWindows> = fc.record(
  { lastHour: windowArb, sameHourYesterday: windowArb, sameHourLastWeek: windowArb },
  { requiredKeys: [] },
);
export const classArb = fc.constantFrom(...PRIORITIES);
const outcomesArb = fc.array(
  fc.record({ at: fc.integer({ min: NOW - 4_000_000, max: NOW }), completed: fc.boolean(), quality: fc.double({ min: 0, max: 1, noNaN: true }) }),
  { maxLength: 12 },
);
const overrideArb = fc.option(
  fc.record({ tokensPerMinute: fc.integer({ min: 0, max: 400_000 }), expiresAt: fc.option(fc.integer({ min: NOW - 60_000, max: NOW + 60_000 }), { nil: undefined }) }, { requiredKeys: ['tokensPerMinute'] }),
  { nil: undefined, freq: 5 },
);

export function agentArb(agent: string): fc.Arbitrary<AgentInput> {
  return fc.record(
    {
      agent: fc.constant(agent),
      firstSeen: fc.integer({ min: NOW - 10 * 86_400_000, max: NOW }),
      criticality: fc.option(classArb, { nil: undefined }),
      priorityCeiling: fc.option(classArb, { nil: undefined }),
      hints: fc.record(
        { priorityClass: classArb, nearestDeadline: fc.integer({ min: NOW - 600_000, max: NOW + 7_200_000 }), blocking: fc.integer({ min: 0, max: 10 }) },
        { requiredKeys: [] },
      ),
      usage: usageArb,
      outcomes: outcomesArb,
      tokensConsumed: fc.integer({ min: 0, max: 5_000_000 }),
      queuedDemandTokens: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
      override: overrideArb,
    },
    { requiredKeys: ['agent', 'firstSeen', 'usage', 'outcomes', 'tokensConsumed'] },
  );
}

const agentsArb = fc
  .uniqueArray(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 12 })
  .chain((ids) => fc.tuple(...ids.map(agentArb)));

const policyArb: fc.Arbitrary<AllocationPolicy> = fc
  .record({
    tokensPerMinute: fc.integer({ min: 1000, max: 2_000_000 }),
    tickSeconds: fc.constantFrom(10, 30, 60),
    floorTokensPerMinute: fc.integer({ min: 0, max: 5000 }),
    headroom: fc.double({ min: 0, max: 1, noNaN: true }),
    baseline: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
    minFraction: fc.double({ min: 0, max: 0.1, noNaN: true }),
    minTasks: fc.integer({ min: 0, max: 4 }),
    scorePriorTasks: fc.integer({ min: 0, max: 4 }),
    reserveFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map((p) =>
    allocationPolicy({
      tokensPerMinute: p.tokensPerMinute,
      tickSeconds: p.tickSeconds,
      floorTokensPerMinute: p.floorTokensPerMinute,
      headroom: p.headroom,
      baseline: p.baseline === undefined ? {} : { tokensPerMinute: p.baseline },
      burst: { minFraction: p.minFraction, maxFraction: 0.2 },
      calibration: { minTasks: p.minTasks, minTokens: 10_000, minSeconds: 600 },
      scorePriorTasks: p.scorePriorTasks,
      newcomers: { reserveFraction: p.reserveFraction },
    }),
  );

export const inputArb: fc.Arbitrary<AllocationInput> = fc.record({
  policy: policyArb,
  agents: agentsArb,
  fleet: fc.record({ recentAggregateDemand: fc.array(fc.integer({ min: 0, max: 10_000_000 }), { maxLength: 20 }) }),
});

