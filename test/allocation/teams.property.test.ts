import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, allocationPolicy } from '../../src/allocation/index.js';
import type { AgentInput, AllocationInput, AllocationTable, TeamPolicy } from '../../src/allocation/index.js';
import { DEFAULT_TEAM } from '../../src/domain/team.js';
import { inputArb, NOW, RUNS } from './arbitraries.js';

const EPS = 1e-6;
const TEAM_NAMES = ['alpha', 'beta', 'gamma'] as const;

/** Tables the engine computed before teams existed (recorded from inputArb, seed 24): the no-teams path must not move. */
interface RecordedCase {
  input: AllocationInput;
  table: Pick<AllocationTable, 'pool' | 'burst' | 'newcomers' | 'overcommitted' | 'minimumScale'> & { agents: [string, number, string, number][] };
}
const recorded = JSON.parse(readFileSync(new URL('./fixtures/no-teams-tables.json', import.meta.url), 'utf8')) as { now: number; cases: RecordedCase[] };

function numbersOf(t: AllocationTable): RecordedCase['table'] {
  return {
    pool: t.pool,
    burst: t.burst,
    newcomers: t.newcomers,
    overcommitted: t.overcommitted,
    minimumScale: t.minimumScale,
    agents: t.agents.map((a) => [a.agent, a.allocation, a.boundBy, a.explanation.cap]),
  };
}

const teamPolicyArb: fc.Arbitrary<TeamPolicy> = fc.oneof(
  fc.record({ share: fc.double({ min: 0, max: 0.5, noNaN: true }), strict: fc.boolean() }),
  fc.record({ tokensPerMinute: fc.integer({ min: 0, max: 1_500_000 }), strict: fc.boolean() }),
  fc.record({ strict: fc.boolean() }),
);

/** The engine's random inputs, with 1–3 teams configured and every agent in one of them or in `default`. */
const teamInputArb: fc.Arbitrary<AllocationInput> = inputArb.chain((input) =>
  fc
    .record({
      teams: fc.dictionary(fc.constantFrom(...TEAM_NAMES, DEFAULT_TEAM), teamPolicyArb, { minKeys: 1, maxKeys: 4 }),
      members: fc.array(fc.constantFrom<string | undefined>(...TEAM_NAMES, DEFAULT_TEAM, undefined), { minLength: input.agents.length, maxLength: input.agents.length }),
    })
    .map(({ teams, members }) => ({
      ...input,
      policy: { ...input.policy, teams },
      agents: input.agents.map((a, i) => (members[i] === undefined ? a : { ...a, team: members[i] })),
    })),
);

/** A small string hash, to shuffle agents deterministically per seed. */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

const noOverride = (a: AgentInput): AgentInput => ({ ...a, override: undefined });
const sumOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
const teamable = (t: AllocationTable) => t.pool - t.burst.reserve - t.newcomers.reserve;

describe('teams (DESIGN §9)', () => {
  it('no teams configured: the same table as the engine before teams, on recorded random inputs', () => {
    expect(recorded.cases.length).toBeGreaterThan(20);
    for (const c of recorded.cases) {
      expect(numbersOf(allocate(c.input, recorded.now))).toEqual(c.table);
      expect(numbersOf(allocate({ ...c.input, policy: { ...c.input.policy, teams: {} } }, recorded.now))).toEqual(c.table);
    }
  });

  it('every agent carries its team; one without a configured team is in default', () => {
    fc.assert(
      fc.property(teamInputArb, (input) => {
        const t = allocate(input, NOW);
        const names = new Set(Object.keys(input.policy.teams ?? {}));
        expect(t.teams.map((x) => x.team)).toEqual([...new Set([...names, DEFAULT_TEAM])].sort());
        for (const row of t.agents) {
          const team = input.agents.find((a) => a.agent === row.agent)?.team;
          expect(row.team).toBe(team !== undefined && names.has(team) ? team : DEFAULT_TEAM);
          expect(row.explanation.team).toBe(row.team);
          expect(row.explanation.teamPart).toBe(t.teams.find((x) => x.team === row.team)?.part);
        }
        for (const line of t.teams) {
          const rows = t.agents.filter((a) => a.team === line.team);
          expect(line.agents).toBe(rows.length);
          expect(line.allocation).toBeCloseTo(sumOf(rows.map((a) => a.allocation)), 6);
        }
      }),
      RUNS,
    );
  });

  it('same inputs give the same table whatever the agents’ order (every proxy of a fleet computes the same)', () => {
    fc.assert(
      fc.property(teamInputArb, fc.integer(), (input, seed) => {
        const shuffled = [...input.agents].sort((a, b) => ((hash(a.agent) ^ seed) >>> 0) - ((hash(b.agent) ^ seed) >>> 0));
        const a = allocate(input, NOW);
        const b = allocate({ ...input, agents: shuffled }, NOW);
        expect(b.agents.map((r) => [r.agent, r.team, r.allocation])).toEqual(a.agents.map((r) => [r.agent, r.team, r.allocation]));
        expect(b.teams).toEqual(a.teams);
      }),
      RUNS,
    );
  });

  it('team parts sum to at most the pool less the reserves, and allocations + burst + newcomers stay within the pool', () => {
    fc.assert(
      fc.property(teamInputArb, (input) => {
        const t = allocate(input, NOW);
        if (t.overcommitted) return;
        const minimums = t.minimumScale < 1;
        if (!minimums) expect(sumOf(t.teams.map((x) => x.part))).toBeLessThanOrEqual(teamable(t) * (1 + EPS) + EPS);
        expect(sumOf(t.agents.map((a) => a.allocation)) + t.burst.capacity + t.newcomers.reserve).toBeLessThanOrEqual(t.pool * (1 + EPS) + EPS);
      }),
      RUNS,
    );
  });

  it('with demand everywhere, team parts sum to the pool less the burst and newcomer reserves', () => {
    const hungry = (a: AgentInput): AgentInput => ({ ...noOverride(a), firstSeen: NOW - 86_400_000, tokensConsumed: 1_000_000, usage: { lastHour: { demandTokens: 1e12, coveredSeconds: 3600 } } });
    fc.assert(
      fc.property(teamInputArb, (input) => {
        // A non-strict team with demand takes whatever strict teams do not hold.
        const teams = { ...input.policy.teams, [DEFAULT_TEAM]: { strict: false } };
        const t = allocate({ ...input, policy: { ...input.policy, teams }, agents: [...input.agents.map(hungry), hungry({ ...(input.agents[0] as AgentInput), agent: 'zz-default', team: undefined })] }, NOW);
        if (t.minimumScale < 1) return;
        expect(sumOf(t.teams.map((x) => x.part))).toBeCloseTo(teamable(t), 3);
      }),
      RUNS,
    );
  });

  it("a strict team's agents never get more than its part, nor more than its configured part when their minimums fit", () => {
    fc.assert(
      fc.property(teamInputArb, (raw) => {
        const input = { ...raw, agents: raw.agents.map(noOverride) };
        const t = allocate(input, NOW);
        for (const line of t.teams) {
          if (!line.strict) continue;
          const rows = t.agents.filter((a) => a.team === line.team);
          const total = sumOf(rows.map((a) => a.allocation));
          expect(total).toBeLessThanOrEqual(line.part * (1 + EPS) + EPS);
          // Minimums (floors, baselines) come first; above them the configured part binds.
          const minimums = sumOf(rows.map((a) => (a.calibrating ? a.allocation : a.explanation.floor)));
          if (line.fixedPart !== null && minimums <= line.fixedPart) expect(total).toBeLessThanOrEqual(line.fixedPart * (1 + EPS) + EPS);
        }
      }),
      RUNS,
    );
  });

  it('what a non-strict team leaves unused flows to the others; a strict team keeps its part', () => {
    const policy = (strict: boolean) =>
      allocationPolicy({ tokensPerMinute: 600_000, tickSeconds: 60, floorTokensPerMinute: 0, teams: { idle: { share: 0.5, strict }, busy: { strict: false } } });
    const agent = (id: string, team: string, demand: number): AgentInput => ({
      agent: id,
      team,
      firstSeen: NOW - 86_400_000,
      usage: { lastHour: { demandTokens: demand, coveredSeconds: 3600 } },
      outcomes: [{ at: NOW - 60_000, completed: true, quality: 1 }],
      tokensConsumed: 1_000_000,
    });
    const agents = [agent('i1', 'idle', 600_000), agent('b1', 'busy', 60 * 1_000_000), agent('b2', 'busy', 60 * 1_000_000)];
    const open = allocate({ policy: policy(false), agents, fleet: { recentAggregateDemand: [] } }, NOW);
    const closed = allocate({ policy: policy(true), agents, fleet: { recentAggregateDemand: [] } }, NOW);
    const busy = (t: AllocationTable) => sumOf(t.agents.filter((a) => a.team === 'busy').map((a) => a.allocation));
    const idle = (t: AllocationTable) => t.agents.find((a) => a.agent === 'i1')?.allocation ?? 0;
    // i1 asks for about 10k tokens a tick, far below half the teamable pool.
    expect(idle(open)).toBeLessThan(teamable(open) / 4);
    expect(busy(open)).toBeCloseTo(teamable(open) - idle(open), 3);
    expect(busy(closed)).toBeCloseTo(teamable(closed) / 2, 3);
    expect(closed.teams.find((x) => x.team === 'idle')?.part).toBeCloseTo(teamable(closed) / 2, 3);
    expect(closed.burst.leftover).toBeGreaterThan(teamable(closed) / 4);
  });
});
