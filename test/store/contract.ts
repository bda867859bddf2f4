import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_ENTRIES_KEPT, type AuditEntry } from '../../src/domain/audit.js';
import type { AgentSignal, CapCounterRef, Store, TaskOutcome, UsageDelta, WriteBatch } from '../../src/store/store.js';

/** A fixed, recent-enough base time (2026-01-05T00:00Z): backends must not care what the wall clock says. */
const T0 = Date.UTC(2026, 0, 5);
const M0 = T0 / 60_000;

/**
 * The behaviour every `Store` backend must share (STYLE: one contract suite per interface).
 * `factory` returns a fresh, empty, isolated store; the suite closes it after each test.
 */
export function describeStoreContract(name: string, factory: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close().catch(() => undefined);
    });

    describe('usage', () => {
      it('sums deltas of the same agent and minute, within one call and across calls', async () => {
        await store.addUsage([
          { agent: 'a', minute: M0, demand: 10, consumed: 8 },
          { agent: 'a', minute: M0, demand: 5, consumed: 5 },
        ]);
        await store.addUsage([{ agent: 'a', minute: M0, demand: 1, consumed: 0 }]);
        expect(await store.usageTotals(M0, M0 + 1)).toEqual([{ agent: 'a', demand: 16, consumed: 13 }]);
      });

      it('sums over [from, to): the end minute is excluded, the start included', async () => {
        await store.addUsage([
          { agent: 'a', minute: M0 - 1, demand: 1, consumed: 1 },
          { agent: 'a', minute: M0, demand: 10, consumed: 10 },
          { agent: 'a', minute: M0 + 59, demand: 100, consumed: 100 },
          { agent: 'a', minute: M0 + 60, demand: 1000, consumed: 1000 },
        ]);
        expect(await store.usageTotals(M0, M0 + 60)).toEqual([{ agent: 'a', demand: 110, consumed: 110 }]);
      });

      it('omits agents with nothing in the window and orders the rest by agent id', async () => {
        await store.addUsage([
          { agent: 'zeta', minute: M0, demand: 3, consumed: 1 },
          { agent: 'alpha', minute: M0 + 1, demand: 2, consumed: 2 },
          { agent: 'mid', minute: M0 - 30, demand: 9, consumed: 9 },
          { agent: 'Beta', minute: M0 + 2, demand: 1, consumed: 0 },
        ]);
        expect(await store.usageTotals(M0, M0 + 10)).toEqual([
          { agent: 'Beta', demand: 1, consumed: 0 },
          { agent: 'alpha', demand: 2, consumed: 2 },
          { agent: 'zeta', demand: 3, consumed: 1 },
        ]);
        expect(await store.usageTotals(M0 + 100, M0 + 200)).toEqual([]);
      });

      it('keeps fractional token counts', async () => {
        await store.addUsage([{ agent: 'a', minute: M0, demand: 0.5, consumed: 0.25 }]);
        await store.addUsage([{ agent: 'a', minute: M0, demand: 0.25, consumed: 0.25 }]);
        expect(await store.usageTotals(M0, M0 + 1)).toEqual([{ agent: 'a', demand: 0.75, consumed: 0.5 }]);
      });

      it('totals equal a reference sum for any sequence of writes and any window', async () => {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.array(
                fc.record({
                  agent: fc.constantFrom('a', 'b', 'c'),
                  minute: fc.integer({ min: 0, max: 20 }),
                  demand: fc.integer({ min: 0, max: 1000 }),
                  consumed: fc.integer({ min: 0, max: 1000 }),
                }),
                { maxLength: 6 },
              ),
              { maxLength: 4 },
            ),
            fc.integer({ min: 0, max: 20 }),
            fc.integer({ min: 0, max: 21 }),
            async (batches, from, to) => {
              // Each run writes to its own range of minutes, so runs do not see each other's data.
              const base = M0 + 1000 * ++run;
              const shift = (d: UsageDelta): UsageDelta => ({ ...d, minute: base + d.minute });
              for (const batch of batches) await store.addUsage(batch.map(shift));
              const expected = new Map<string, { agent: string; demand: number; consumed: number }>();
              for (const d of batches.flat()) {
                if (d.minute < from || d.minute >= to) continue;
                const e = expected.get(d.agent) ?? { agent: d.agent, demand: 0, consumed: 0 };
                e.demand += d.demand;
                e.consumed += d.consumed;
                expected.set(d.agent, e);
              }
              const want = [...expected.values()].sort((x, y) => (x.agent < y.agent ? -1 : 1));
              expect(await store.usageTotals(base + from, base + to)).toEqual(want);
            },
          ),
          { numRuns: 25 },
        );
      });
    });

    describe('task outcomes', () => {
      const task = (at: number, over: Partial<TaskOutcome> = {}): TaskOutcome => ({
        agent: 'a',
        task: `t${at}`,
        at: T0 + at,
        completed: true,
        quality: 0.75,
        source: 'agent',
        ...over,
      });
      const fresh = { duplicate: false, replaced: false };
      const dup = { duplicate: true, replaced: false };

      it('returns outcomes at or after the given time, oldest first, with every field intact', async () => {
        await store.recordTasks([task(30), task(10, { completed: false, quality: 0, source: 'agent' })]);
        await store.recordTasks([task(20, { agent: 'b', quality: 1 }), task(5)]);
        expect(await store.tasksSince(T0 + 10)).toEqual([
          task(10, { completed: false, quality: 0, source: 'agent' }),
          task(20, { agent: 'b', quality: 1 }),
          task(30),
        ]);
        expect(await store.tasksSince(T0 + 31)).toEqual([]);
      });

      it('counts an (agent, task) once: a repeat is a duplicate and changes nothing', async () => {
        expect(await store.recordTasks([task(1), task(1, { at: T0 + 2, quality: 0.1 })])).toEqual([fresh, dup]);
        expect(await store.recordTasks([task(1, { at: T0 + 3, quality: 1 })])).toEqual([dup]);
        // The same task id of another agent is another task.
        expect(await store.recordTasks([task(1, { agent: 'b' })])).toEqual([fresh]);
        expect(await store.tasksSince(T0)).toEqual([task(1), task(1, { agent: 'b' })]);
      });

      it('counts a task reported not completed once it is reported completed, from then, with that quality', async () => {
        expect(await store.recordTasks([task(1, { completed: false, quality: 0 })])).toEqual([fresh]);
        expect(await store.recordTasks([task(1, { completed: false, at: T0 + 2 })])).toEqual([dup]);
        expect(await store.recordTasks([task(1, { at: T0 + 5, quality: 0.5 })])).toEqual([fresh]);
        expect(await store.recordTasks([task(1, { completed: false, at: T0 + 6 })])).toEqual([dup]);
        expect(await store.tasksSince(T0)).toEqual([task(1, { at: T0 + 5, quality: 0.5 })]);
      });

      it('lets an evaluator replace what the agent reported about itself, once; the agent cannot overrule it', async () => {
        const evaluator = (over: Partial<TaskOutcome>) => task(1, { source: 'evaluator', ...over });
        await store.recordTasks([task(1, { quality: 0.9 })]);
        expect(await store.recordTasks([evaluator({ at: T0 + 10, quality: 0.2 })])).toEqual([{ duplicate: true, replaced: true }]);
        // The task keeps counting from when it was first completed.
        expect(await store.tasksSince(T0)).toEqual([evaluator({ quality: 0.2 })]);
        expect(await store.recordTasks([evaluator({ at: T0 + 20, quality: 1 })])).toEqual([dup]);
        expect(await store.recordTasks([task(1, { at: T0 + 30, quality: 1 })])).toEqual([dup]);
        expect(await store.tasksSince(T0)).toEqual([evaluator({ quality: 0.2 })]);
        // An evaluator's report on a task the agent left not completed counts it.
        await store.recordTasks([task(2, { completed: false })]);
        expect(await store.recordTasks([task(2, { source: 'evaluator', at: T0 + 40 })])).toEqual([{ duplicate: false, replaced: true }]);
        expect((await store.tasksSince(T0)).map((t) => [t.task, t.at, t.completed])).toEqual([
          ['t1', T0 + 1, true],
          ['t2', T0 + 40, true],
        ]);
      });

      it('accepts an empty batch', async () => {
        await store.recordTasks([]);
        await store.addUsage([]);
        await store.touchAgents([]);
        expect(await store.tasksSince(0)).toEqual([]);
      });
    });

    describe('write batches', () => {
      const batch = (seq: number, writer = 'w1'): WriteBatch => ({
        writer,
        seq,
        at: T0,
        usage: [{ agent: 'a', minute: M0, demand: 10, consumed: 4.5 }],
        tasks: [{ agent: 'a', task: `t${seq}`, at: T0 + seq, completed: true, quality: 1, source: 'agent' }],
        agents: [{ agent: 'a', firstSeen: T0 + seq }],
      });

      it('applies a batch once: a retried or older seq of the same writer changes nothing', async () => {
        expect(await store.applyBatch(batch(1))).toBe(true);
        expect(await store.applyBatch(batch(1))).toBe(false);
        expect(await store.applyBatch(batch(2))).toBe(true);
        expect(await store.applyBatch(batch(2))).toBe(false);
        expect(await store.applyBatch(batch(1))).toBe(false);
        // Another writer's seq 1 is its own batch.
        expect(await store.applyBatch(batch(1, 'w2'))).toBe(true);
        expect(await store.usageTotals(M0, M0 + 1)).toEqual([{ agent: 'a', demand: 30, consumed: 13.5 }]);
        expect((await store.tasksSince(T0)).map((t) => t.task)).toEqual(['t1', 't2']);
        expect(await store.agents()).toEqual([{ agent: 'a', firstSeen: T0 + 1 }]);
      });

      it('applies an empty batch and still remembers its seq', async () => {
        expect(await store.applyBatch({ writer: 'w', seq: 1, at: T0, usage: [], tasks: [], agents: [] })).toBe(true);
        expect(await store.applyBatch({ writer: 'w', seq: 1, at: T0, usage: [], tasks: [], agents: [] })).toBe(false);
      });
    });

    describe('overrides', () => {
      it('sets, replaces and deletes an override; optional fields round-trip', async () => {
        await store.setOverride({ agent: 'a', tokensPerMinute: 100, setAt: T0 });
        await store.setOverride({ agent: 'b', tokensPerMinute: 5, setAt: T0, expiresAt: T0 + 1000, reason: 'incident' });
        expect(await store.overrides(T0)).toEqual([
          { agent: 'a', tokensPerMinute: 100, setAt: T0 },
          { agent: 'b', tokensPerMinute: 5, setAt: T0, expiresAt: T0 + 1000, reason: 'incident' },
        ]);
        await store.setOverride({ agent: 'a', tokensPerMinute: 200, setAt: T0 + 1 });
        expect(await store.overrides(T0)).toContainEqual({ agent: 'a', tokensPerMinute: 200, setAt: T0 + 1 });
        expect(await store.deleteOverride('a')).toBe(true);
        expect(await store.deleteOverride('a')).toBe(false);
        expect((await store.overrides(T0)).map((o) => o.agent)).toEqual(['b']);
      });

      it('hides an override from the moment it expires', async () => {
        await store.setOverride({ agent: 'a', tokensPerMinute: 1, setAt: T0, expiresAt: T0 + 1000 });
        expect(await store.overrides(T0 + 999)).toHaveLength(1);
        expect(await store.overrides(T0 + 1000)).toEqual([]);
        // Replacing it without an expiry makes it permanent again.
        await store.setOverride({ agent: 'a', tokensPerMinute: 2, setAt: T0 + 2000 });
        expect(await store.overrides(T0 + 10_000_000)).toEqual([{ agent: 'a', tokensPerMinute: 2, setAt: T0 + 2000 }]);
      });
    });

    describe('agent policies', () => {
      it('sets, replaces and deletes an agent\'s policy; fields left out stay out; ordered by agent', async () => {
        expect(await store.agentPolicies()).toEqual([]);
        await store.setAgentPolicy({ agent: 'b', ceiling: 'low', setAt: T0 });
        await store.setAgentPolicy({ agent: 'a', criticality: 'high', ceiling: 'critical', setAt: T0 + 1 });
        expect(await store.agentPolicies()).toEqual([
          { agent: 'a', criticality: 'high', ceiling: 'critical', setAt: T0 + 1 },
          { agent: 'b', ceiling: 'low', setAt: T0 },
        ]);
        await store.setAgentPolicy({ agent: 'a', criticality: 'normal', setAt: T0 + 2 });
        expect((await store.agentPolicies())[0]).toEqual({ agent: 'a', criticality: 'normal', setAt: T0 + 2 });
        expect(await store.deleteAgentPolicy('a')).toBe(true);
        expect(await store.deleteAgentPolicy('a')).toBe(false);
        expect(await store.agentPolicies()).toEqual([{ agent: 'b', ceiling: 'low', setAt: T0 }]);
      });

      it('survives prune (a policy has no age)', async () => {
        await store.setAgentPolicy({ agent: 'a', ceiling: 'normal', setAt: T0 });
        await store.prune(T0 + 10 * 86_400_000);
        expect(await store.agentPolicies()).toEqual([{ agent: 'a', ceiling: 'normal', setAt: T0 }]);
      });
    });

    describe('audit trail', () => {
      const entry = (i: number): AuditEntry => ({
        at: T0 + i,
        action: i % 2 === 0 ? 'override.set' : 'policy.delete',
        target: `agent-${i}`,
        detail: { tokensPerMinute: i, nested: { reason: 'why' }, list: [1, 'two'] },
        client: '127.0.0.1',
      });

      it('returns entries newest first, every field intact, up to the limit', async () => {
        expect(await store.audit(10)).toEqual([]);
        for (const i of [1, 2, 3]) await store.appendAudit(entry(i));
        expect(await store.audit(10)).toEqual([entry(3), entry(2), entry(1)]);
        expect(await store.audit(2)).toEqual([entry(3), entry(2)]);
        expect(await store.audit(0)).toEqual([]);
      });

      it('keeps the newest entries only, and survives prune', async () => {
        for (let i = 0; i < AUDIT_ENTRIES_KEPT + 5; i++) await store.appendAudit(entry(i));
        await store.prune(T0 + 10 * 86_400_000);
        const kept = await store.audit(AUDIT_ENTRIES_KEPT + 100);
        expect(kept).toHaveLength(AUDIT_ENTRIES_KEPT);
        expect(kept[0]).toEqual(entry(AUDIT_ENTRIES_KEPT + 4));
        expect(kept.at(-1)).toEqual(entry(5));
      });
    });

    describe('first seen', () => {
      it('keeps the earliest time whatever order the reports arrive in', async () => {
        await store.touchAgents([{ agent: 'late', firstSeen: T0 + 100 }]);
        await store.touchAgents([{ agent: 'late', firstSeen: T0 + 50 }, { agent: 'early', firstSeen: T0 }]);
        await store.touchAgents([{ agent: 'early', firstSeen: T0 + 500 }]);
        expect(await store.agents()).toEqual([
          { agent: 'early', firstSeen: T0 },
          { agent: 'late', firstSeen: T0 + 50 },
        ]);
      });
    });

    describe('burst pool', () => {
      it('starts at capacity on first touch and grants min(available, amount)', async () => {
        expect(await store.burstState(7, 100)).toEqual({ tick: 7, capacity: 100, available: 100 });
        expect(await store.burstTake(7, 100, 30)).toBe(30);
        expect(await store.burstTake(7, 100, 50)).toBe(50);
        expect(await store.burstTake(7, 100, 50)).toBe(20);
        expect(await store.burstTake(7, 100, 1)).toBe(0);
        expect(await store.burstState(7, 100)).toEqual({ tick: 7, capacity: 100, available: 0 });
      });

      it('returns tokens, never above capacity', async () => {
        expect(await store.burstTake(8, 100, 40)).toBe(40);
        await store.burstReturn(8, 100, 15);
        expect((await store.burstState(8, 100)).available).toBe(75);
        await store.burstReturn(8, 100, 1000);
        expect((await store.burstState(8, 100)).available).toBe(100);
        // A return to a pool never touched cannot overfill it either.
        await store.burstReturn(9, 100, 10);
        expect((await store.burstState(9, 100)).available).toBe(100);
      });

      it('keeps one pool per tick', async () => {
        expect(await store.burstTake(10, 50, 50)).toBe(50);
        expect(await store.burstTake(11, 50, 20)).toBe(20);
        expect((await store.burstState(10, 50)).available).toBe(0);
        expect((await store.burstState(11, 50)).available).toBe(30);
      });

      it('grants nothing for a zero or negative amount and clamps to a capacity that shrank', async () => {
        expect(await store.burstTake(12, 100, 0)).toBe(0);
        expect(await store.burstTake(12, 100, -5)).toBe(0);
        expect((await store.burstState(12, 100)).available).toBe(100);
        expect((await store.burstState(12, 60)).available).toBe(60);
        expect(await store.burstTake(12, 60, 100)).toBe(60);
      });

      it('never grants more than capacity to concurrent takers', async () => {
        const grants = await Promise.all(Array.from({ length: 25 }, () => store.burstTake(13, 100, 7)));
        expect(grants.reduce((a, b) => a + b, 0)).toBe(100);
        expect(grants.every((g) => g === 7 || g === 2 || g === 0)).toBe(true);
      });

      it('keeps the newcomer reserve apart from the burst buffer of the same tick, with the same arithmetic', async () => {
        expect(await store.burstTake(14, 100, 70, 'newcomers')).toBe(70);
        expect(await store.burstTake(14, 100, 70, 'newcomers')).toBe(30);
        expect((await store.burstState(14, 100, 'newcomers')).available).toBe(0);
        expect((await store.burstState(14, 100)).available).toBe(100);
        expect(await store.burstTake(14, 100, 40)).toBe(40);
        await store.burstReturn(14, 100, 25, 'newcomers');
        expect((await store.burstState(14, 100, 'newcomers')).available).toBe(25);
        expect((await store.burstState(14, 100, 'burst')).available).toBe(60);
        const grants = await Promise.all(Array.from({ length: 20 }, () => store.burstTake(15, 50, 7, 'newcomers')));
        expect(grants.reduce((x, y) => x + y, 0)).toBe(50);
      });
    });

    describe('period-cap counters', () => {
      // Far ahead: Redis expires by the wall clock, and a counter is only ever written before its expiry.
      const EXP = Date.UTC(2100, 0, 1);
      const day = (scope: string, limit?: number): CapCounterRef => ({ scope, periodId: 'day:2026-01-05', expiresAt: EXP, ...(limit !== undefined && { limit }) });
      const state = (scope: string, used: number, reserved: number, periodId = 'day:2026-01-05') => ({ scope, periodId, used, reserved });

      it('reads an untouched counter as zero', async () => {
        expect(await store.capCounters([{ scope: 'fleet', periodId: 'day:2026-01-05' }])).toEqual([state('fleet', 0, 0)]);
      });

      it('reserves on every counter while each one with a limit is under it, and refuses all-or-nothing once one is not', async () => {
        expect(await store.capReserve([day('fleet', 100), day('agent:a')], 60)).toEqual({ blocked: -1, counters: [state('fleet', 0, 60), state('agent:a', 0, 60)] });
        // 60 < 100: admitted although it takes the counter past the limit (the overshoot is one request).
        expect(await store.capReserve([day('agent:a'), day('fleet', 100)], 60)).toEqual({ blocked: -1, counters: [state('agent:a', 0, 120), state('fleet', 0, 120)] });
        expect(await store.capReserve([day('agent:a'), day('fleet', 100)], 1)).toEqual({ blocked: 1, counters: [state('agent:a', 0, 120), state('fleet', 0, 120)] });
        // A ref without a limit never blocks.
        expect((await store.capReserve([day('fleet')], 5)).blocked).toBe(-1);
      });

      it('settles a reservation into used; a release frees room under the limit again', async () => {
        await store.capReserve([day('team:x', 50)], 50);
        expect((await store.capReserve([day('team:x', 50)], 1)).blocked).toBe(0);
        expect(await store.capAdd([{ ...day('team:x'), used: 30, reserved: -50 }], 'op-1')).toEqual([state('team:x', 30, 0)]);
        expect((await store.capReserve([day('team:x', 50)], 10)).blocked).toBe(-1);
        expect(await store.capAdd([{ ...day('team:x'), used: 0, reserved: -10 }], 'op-2')).toEqual([state('team:x', 30, 0)]);
        expect(await store.capCounters([day('team:x')])).toEqual([state('team:x', 30, 0)]);
      });

      it('keeps one counter per scope and period, with fractions intact', async () => {
        await store.capAdd([
          { ...day('fleet'), used: 0.25, reserved: 0 },
          { scope: 'fleet', periodId: 'month:2026-01', used: 1.5, reserved: 0, expiresAt: EXP },
        ], 'op-3');
        expect(await store.capCounters([day('fleet'), { scope: 'fleet', periodId: 'month:2026-01' }, day('agent:fleet')])).toEqual([
          state('fleet', 0.25, 0),
          state('fleet', 1.5, 0, 'month:2026-01'),
          state('agent:fleet', 0, 0),
        ]);
      });

      it('applies an addition once per op id: a retry of one that landed changes nothing', async () => {
        const add = [{ ...day('agent:c'), used: 12, reserved: -20 }, { ...day('fleet'), used: 12, reserved: -20 }];
        await store.capReserve([day('agent:c'), day('fleet', 100)], 20);
        expect(await store.capAdd(add, 'settle-1')).toEqual([state('agent:c', 12, 0), state('fleet', 12, 0)]);
        expect(await store.capAdd(add, 'settle-1')).toEqual([state('agent:c', 12, 0), state('fleet', 12, 0)]);
        expect(await store.capAdd([{ ...day('fleet'), used: 1, reserved: 0 }], 'settle-2')).toEqual([state('fleet', 13, 0)]);
      });

      it('never lets concurrent reservers past the limit by more than one reservation', async () => {
        const results = await Promise.all(Array.from({ length: 30 }, () => store.capReserve([day('agent:b'), day('fleet', 100)], 7)));
        expect(results.filter((r) => r.blocked < 0)).toHaveLength(15);
        expect(await store.capCounters([day('fleet')])).toEqual([state('fleet', 0, 105)]);
      });
    });

    describe('signals (fleet mode)', () => {
      const sig = (agent: string, over: Partial<AgentSignal> = {}): AgentSignal => ({
        agent,
        source: 'ignored',
        queuedDemand: 0,
        partialDemand: 0,
        partialConsumed: 0,
        ...over,
      });

      it('returns every source\'s rows of a tick, ordered by agent then source, stamped with their source', async () => {
        expect(store.putSignals).toBeTypeOf('function');
        await store.putSignals!(7, 'p2', [sig('b', { queuedDemand: 5 }), sig('a', { partialDemand: 1.5, partialConsumed: 0.25 })]);
        await store.putSignals!(7, 'p1', [sig('b', { priorityClass: 'critical', taskType: 'incident', nearestDeadline: T0 + 5, blocking: 2 })]);
        await store.putSignals!(8, 'p1', [sig('z')]);
        expect(await store.signals!(7)).toEqual([
          sig('a', { source: 'p2', partialDemand: 1.5, partialConsumed: 0.25 }),
          sig('b', { source: 'p1', priorityClass: 'critical', taskType: 'incident', nearestDeadline: T0 + 5, blocking: 2 }),
          sig('b', { source: 'p2', queuedDemand: 5 }),
        ]);
        expect(await store.signals!(8)).toEqual([sig('z', { source: 'p1' })]);
        expect(await store.signals!(9)).toEqual([]);
      });

      it('replaces what the same source published for the same tick', async () => {
        await store.putSignals!(3, 'p1', [sig('a', { queuedDemand: 1 }), sig('b')]);
        await store.putSignals!(3, 'p1', [sig('a', { queuedDemand: 2 })]);
        expect(await store.signals!(3)).toEqual([sig('a', { source: 'p1', queuedDemand: 2 })]);
      });
    });

    describe('event claims (alerts)', () => {
      it('grants a key to the first claimer only, until the claim expires; keys are independent', async () => {
        expect(await store.claimEvent('cap_threshold\nfleet\n2026-01-05\n0.8', T0, 60_000)).toBe(true);
        expect(await store.claimEvent('cap_threshold\nfleet\n2026-01-05\n0.8', T0 + 1, 60_000)).toBe(false);
        expect(await store.claimEvent('cap_threshold\nfleet\n2026-01-05\n0.95', T0 + 1, 60_000)).toBe(true);
      });

      it('grants exactly one of many concurrent claims of the same key', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.claimEvent('throttled\nagent:a', T0, 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('grants the key again once the claim has expired', async () => {
        expect(await store.claimEvent('k', Date.now(), 50)).toBe(true);
        // Redis expires by its own clock: poll (bounded) rather than sleep a guessed time.
        const deadline = Date.now() + 5_000;
        let again = false;
        while (!again && Date.now() < deadline) {
          again = await store.claimEvent('k', Date.now(), 50);
          if (!again) await new Promise((r) => setTimeout(r, 10));
        }
        expect(again).toBe(true);
      });
    });

    describe('prune', () => {
      it('drops usage and task outcomes older than the cut, keeps the rest', async () => {
        await store.addUsage([
          { agent: 'a', minute: M0 - 1, demand: 1, consumed: 1 },
          { agent: 'a', minute: M0, demand: 2, consumed: 2 },
        ]);
        await store.recordTasks([
          { agent: 'a', task: 'old', at: T0 - 1, completed: true, quality: 1, source: 'agent' },
          { agent: 'a', task: 'new', at: T0, completed: true, quality: 1, source: 'agent' },
        ]);
        await store.setOverride({ agent: 'keep', tokensPerMinute: 1, setAt: T0 });
        await store.prune(T0);
        expect(await store.usageTotals(M0 - 10, M0 + 10)).toEqual([{ agent: 'a', demand: 2, consumed: 2 }]);
        expect((await store.tasksSince(0)).map((t) => t.task)).toEqual(['new']);
        expect(await store.overrides(T0)).toHaveLength(1);
      });
    });

    describe('close', () => {
      it('rejects operations after close with code store_closed; closing twice is harmless', async () => {
        await store.close();
        await store.close();
        await expect(store.usageTotals(M0, M0 + 1)).rejects.toMatchObject({ code: 'store_closed' });
        await expect(store.burstTake(1, 10, 1)).rejects.toMatchObject({ code: 'store_closed' });
      });
    });
  });
}
