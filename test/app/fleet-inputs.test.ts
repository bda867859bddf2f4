import { HistoryRecorder } from '../../src/admin/history.js';
import { describe, expect, it } from 'vitest';
import type { AgentHints } from '../../src/allocation/types.js';
import { AgentPolicies } from '../../src/app/agent-policies.js';
import { HintBoard } from '../../src/app/hint-board.js';
import { policyFromConfig } from '../../src/app/proxy-app.js';
import { Reallocator } from '../../src/app/reallocator.js';
import type { PartialUsage } from '../../src/app/reallocation-inputs.js';
import { Admission } from '../../src/budget/admission.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { WriteBehindStore } from '../../src/store/write-behind.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { configFor } from '../e2e/harness.js';

const TICK_MS = 30_000;
/** A tick start 30 s into a minute, so the running minute has data before the boundary. */
const T = Date.UTC(2026, 0, 5, 12, 0, 30);
const M = Math.floor(T / 60_000);
const config = configFor('http://127.0.0.1:9', { tokensPerMinute: 600_000, reallocateSeconds: TICK_MS / 1000 });

interface Proxy {
  reallocator: Reallocator;
  /** This proxy's own write-behind buffer over the shared store (flushed only where a test says so). */
  store: WriteBehindStore;
}

/** One proxy of a fleet: its own buffer, hints, queue and running-minute usage, over a shared store. */
function proxy(shared: Store, local: { hints?: Record<string, AgentHints>; queued?: Record<string, number>; partial?: Record<string, PartialUsage> }, fleet: boolean): Proxy {
  const store = new WriteBehindStore(shared, { flushMs: 3_600_000 });
  const hints = new HintBoard();
  for (const [agent, h] of Object.entries(local.hints ?? {})) {
    hints.note(agent, { priority: h.priorityClass ?? 'normal', requestedPriority: h.priorityClass, taskType: h.taskType, deadline: h.nearestDeadline, blocking: h.blocking ?? 0 }, T - 1000);
  }
  const reallocator = new Reallocator({
    history: new HistoryRecorder({ tickSeconds: 30 }),
    store,
    policy: policyFromConfig(config),
    admission: new Admission({ tickMs: TICK_MS, newcomerAllowance: 100 }),
    metrics: new Metrics({ maxAgentLabels: 100, tickSeconds: TICK_MS / 1000 }),
    logger: createLogger({ level: 'silent' }),
    hints,
    // Uncapped, so the merged critical claim reaches the engine as such (ceilings have tests of their own).
    policies: new AgentPolicies({ agents: {}, priority: { ceilings: { '*': 'critical' } } }),
    queuedDemand: () => new Map(Object.entries(local.queued ?? {})),
    takeActivity: () => ({ consumed: new Map(), throttled: new Map() }),
    now: () => T + 700,
    ...(fleet && {
      fleet: {
        source: `p${Math.random()}`,
        settleMs: 2000,
        partialUsage: (minute: number) => (minute === M ? new Map(Object.entries(local.partial ?? {})) : new Map()),
      },
    }),
  });
  return { reallocator, store };
}

/** Two proxies that saw different traffic in the running minute, on one store with an hour of history. */
async function fleetOf(fleet: boolean): Promise<{ shared: MemoryStore; a: Proxy; b: Proxy }> {
  const shared = new MemoryStore();
  await shared.touchAgents([
    { agent: 'alpha', firstSeen: T - 3_600_000 },
    { agent: 'beta', firstSeen: T - 3_600_000 },
  ]);
  const history = [];
  for (let m = M - 60; m < M; m++) {
    history.push({ agent: 'alpha', minute: m, demand: 4000, consumed: 3500 }, { agent: 'beta', minute: m, demand: 1000, consumed: 1000 });
  }
  await shared.addUsage(history);
  await shared.recordTasks([
    { agent: 'alpha', task: 't1', at: T - 600_000, completed: true, quality: 1, source: 'agent' },
    { agent: 'beta', task: 't2', at: T - 300_000, completed: true, quality: 0.5, source: 'agent' },
  ]);
  const a = proxy(shared, { hints: { alpha: { priorityClass: 'critical' } }, queued: { alpha: 9000 }, partial: { alpha: { demand: 6000, consumed: 5000 } } }, fleet);
  const b = proxy(shared, { hints: { beta: { priorityClass: 'high', blocking: 3 } }, partial: { gamma: { demand: 2000, consumed: 1500 }, beta: { demand: 700, consumed: 700 } } }, fleet);
  // Each proxy's own unflushed writes of the running minute: visible to it alone.
  await a.store.addUsage([{ agent: 'alpha', minute: M, demand: 6000, consumed: 5000 }]);
  await b.store.addUsage([{ agent: 'gamma', minute: M, demand: 2000, consumed: 1500 }]);
  await b.store.touchAgents([{ agent: 'gamma', firstSeen: T - 10_000 }]);
  return { shared, a, b };
}

describe('fleet mode: every proxy computes the same table from the shared inputs', () => {
  it('two proxies with different local hints, queues and unflushed usage arrive at the same table', async () => {
    const { a, b } = await fleetOf(true);
    await a.reallocator.publish(T);
    await b.reallocator.publish(T);
    // The settle delay (2 × flush interval) lets every proxy flush what it wrote before the boundary.
    await a.store.flush();
    await b.store.flush();
    const ta = await a.reallocator.reallocate(T);
    const tb = await b.reallocator.reallocate(T);
    expect(ta).toBeDefined();
    expect(ta).toEqual(tb);
    // Every proxy's signals reached the table: the hints of each, and the agent only B has seen.
    const row = (agent: string) => ta!.agents.find((r) => r.agent === agent);
    expect(row('alpha')!.priorityWeight).toBeGreaterThan(row('beta')!.priorityWeight);
    expect(row('beta')!.priorityWeight).toBeGreaterThan(1);
    expect(row('gamma')).toBeDefined();
  });

  it('writes after the tick start (running minute, new tasks, new agents) do not change that tick\'s table', async () => {
    const { shared, a, b } = await fleetOf(true);
    await a.reallocator.publish(T);
    await b.reallocator.publish(T);
    // The settle delay (2 × flush interval) lets every proxy flush what it wrote before the boundary.
    await a.store.flush();
    await b.store.flush();
    const before = await a.reallocator.reallocate(T);
    await shared.addUsage([
      { agent: 'alpha', minute: M, demand: 50_000, consumed: 50_000 },
      { agent: 'delta', minute: M, demand: 50_000, consumed: 50_000 },
    ]);
    await shared.recordTasks([{ agent: 'beta', task: 'late', at: T + 100, completed: true, quality: 1, source: 'agent' }]);
    await shared.touchAgents([{ agent: 'delta', firstSeen: T + 100 }]);
    expect(await b.reallocator.reallocate(T)).toEqual(before);
  });

  it('without fleet mode the same two proxies disagree (what fleet mode fixes)', async () => {
    const { a, b } = await fleetOf(false);
    const ta = await a.reallocator.reallocate(T);
    const tb = await b.reallocator.reallocate(T);
    expect(ta).not.toEqual(tb);
  });
});
