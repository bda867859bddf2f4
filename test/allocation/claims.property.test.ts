import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, allocationPolicy } from '../../src/allocation/index.js';
import type { AgentInput, AllocationInput, AllocationTable, OutcomeSample } from '../../src/allocation/index.js';
import { PRIORITIES, priorityRank, type PriorityClass } from '../../src/domain/priority.js';
import { agentArb, inputArb, NOW, RUNS } from './arbitraries.js';

const EPS = 1e-9;

/** Calibration settings of every kind, the defaults among them: the property must hold whatever they are. */
const calibrationArb = fc.record({
  minTasks: fc.integer({ min: 0, max: 6 }),
  minTokens: fc.integer({ min: 0, max: 200_000 }),
  minSeconds: fc.integer({ min: 0, max: 7200 }),
});

/** A few completed tasks of low but positive quality, inside the scoring window (some with their tokens). */
const poorWorkArb: fc.Arbitrary<OutcomeSample[]> = fc.array(
  fc.record(
    {
      at: fc.integer({ min: NOW - 3_500_000, max: NOW }),
      completed: fc.constant(true),
      quality: fc.double({ min: 0.001, max: 0.3, noNaN: true }),
      tokens: fc.integer({ min: 1, max: 50_000 }),
    },
    { requiredKeys: ['at', 'completed', 'quality'] },
  ),
  { minLength: 1, maxLength: 6 },
);

function allocationOf(t: AllocationTable, agent: string): number {
  const row = t.agents.find((a) => a.agent === agent);
  if (row === undefined) throw new Error(`no row for ${agent}`);
  return row.allocation;
}

/** The table without explanations: what agents get and why, in numbers. */
function numbers(t: AllocationTable): unknown {
  return {
    pool: t.pool,
    burst: t.burst,
    agents: t.agents.map((a) => [a.agent, a.allocation, a.boundBy, a.score, a.priorityWeight, a.calibrating]),
  };
}

describe('claims the engine must not reward', () => {
  it('silence never beats poor work: an agent gets no more reporting nothing than reporting low-quality tasks', () => {
    fc.assert(
      fc.property(inputArb, calibrationArb, fc.integer({ min: 0, max: 4 }), agentArb('subject'), poorWorkArb, (input, calibration, scorePriorTasks, subject, poor) => {
        const policy = { ...input.policy, calibration, scorePriorTasks };
        const base: AgentInput = { ...subject, override: undefined };
        const run = (outcomes: OutcomeSample[]) => allocate({ ...input, policy, agents: [...input.agents, { ...base, outcomes }] }, NOW);
        const silent = allocationOf(run([]), 'subject');
        const reporting = allocationOf(run(poor), 'subject');
        expect(silent).toBeLessThanOrEqual(reporting * (1 + EPS) + EPS);
      }),
      RUNS,
    );
  });

  it('silence never beats poor work under the default settings, past calibration', () => {
    // The measured case: fewer than minTasks reported tasks, enough tokens and time (DESIGN §6.2).
    const policy = allocationPolicy({ tokensPerMinute: 60_000, tickSeconds: 2, calibration: { minTasks: 3, minTokens: 2000, minSeconds: 20 } });
    const usage = { lastHour: { demandTokens: 600_000, coveredSeconds: 600 } };
    const agent = (id: string, outcomes: OutcomeSample[], tokensConsumed: number): AgentInput => ({ agent: id, firstSeen: NOW - 600_000, usage, outcomes, tokensConsumed });
    const tasks = (n: number, quality: number) => Array.from({ length: n }, (_, i) => ({ at: NOW - i * 10_000, completed: true, quality }));
    const input: AllocationInput = {
      policy,
      agents: [agent('good-1', tasks(10, 1), 50_000), agent('good-2', tasks(8, 1), 50_000), agent('poor', tasks(2, 0.2), 50_000), agent('silent', [], 50_000)],
      fleet: { recentAggregateDemand: [] },
    };
    const t = allocate(input, NOW);
    const silent = t.agents.find((a) => a.agent === 'silent');
    expect(silent).toMatchObject({ calibrating: false, boundBy: 'floor', productivity: 0 });
    expect(silent?.explanation.calibration).toMatchObject({ missing: [], provisional: true });
    expect(silent?.allocation).toBeLessThanOrEqual(allocationOf(t, 'poor'));
    expect(allocationOf(t, 'poor')).toBeLessThan(allocationOf(t, 'good-2'));
  });

  it('a claim above the ceiling changes nothing: the table equals the one with the ceiling’s class', () => {
    const ceilingArb = fc.constantFrom<PriorityClass>('high', 'normal', 'low');
    const claimArb = (ceiling: PriorityClass) => fc.constantFrom(...PRIORITIES.filter((c) => priorityRank(c) > priorityRank(ceiling)));
    const caseArb = ceilingArb.chain((ceiling) => fc.record({ ceiling: fc.constant(ceiling), claim: claimArb(ceiling), viaTaskType: fc.boolean() }));
    fc.assert(
      fc.property(inputArb, agentArb('subject'), caseArb, (input, subject, { ceiling, claim, viaTaskType }) => {
        const policy = { ...input.policy, taskTypeClasses: { ...input.policy.taskTypeClasses, 'incident-response': claim } };
        const hints = { ...subject.hints, taskType: undefined };
        const claiming: AgentInput = {
          ...subject,
          priorityCeiling: ceiling,
          hints: viaTaskType ? { ...hints, priorityClass: undefined, taskType: 'incident-response' } : { ...hints, priorityClass: claim },
        };
        const granted: AgentInput = { ...subject, priorityCeiling: ceiling, hints: { ...hints, priorityClass: ceiling } };
        const withClaim = allocate({ ...input, policy, agents: [...input.agents, claiming] }, NOW);
        const withCeiling = allocate({ ...input, policy, agents: [...input.agents, granted] }, NOW);
        expect(numbers(withClaim)).toEqual(numbers(withCeiling));
        const explained = withClaim.agents.find((a) => a.agent === 'subject')?.explanation.priority;
        expect(explained).toMatchObject({ class: ceiling, ceiling, ceilingApplied: true });
        if (viaTaskType) expect(explained).toMatchObject({ taskType: 'incident-response', taskTypeClass: claim, requestedClass: null });
        else expect(explained).toMatchObject({ requestedClass: claim });
      }),
      RUNS,
    );
  });
});
