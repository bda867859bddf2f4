import { priorityRank } from '../domain/priority.js';
import type { AgentHints } from '../allocation/types.js';
import type { AgentSignal } from '../store/store.js';
import type { LocalSignals, PartialUsage } from './reallocation-inputs.js';


/** What one proxy knows locally at a tick boundary, before it is published. */
export interface LocalView {
  hints: ReadonlyMap<string, AgentHints>;
  queuedDemand: ReadonlyMap<string, number>;
  partialUsage: ReadonlyMap<string, PartialUsage>;
  /** Demand per agent during the tick that just ended. */
  tickDemand?: ReadonlyMap<string, number>;
}

/** This proxy's rows for the store: one per agent it has anything to say about. */
export function signalRows(source: string, view: LocalView): AgentSignal[] {
  const agents = new Set([...view.hints.keys(), ...view.queuedDemand.keys(), ...view.partialUsage.keys(), ...(view.tickDemand?.keys() ?? [])]);
  const rows: AgentSignal[] = [];
  for (const agent of [...agents].sort()) {
    const h = view.hints.get(agent);
    const p = view.partialUsage.get(agent);
    const row: AgentSignal = {
      agent,
      source,
      queuedDemand: view.queuedDemand.get(agent) ?? 0,
      partialDemand: p?.demand ?? 0,
      partialConsumed: p?.consumed ?? 0,
    };
    if (h?.priorityClass !== undefined) row.priorityClass = h.priorityClass;
    if (h?.taskType !== undefined) row.taskType = h.taskType;
    if (h?.nearestDeadline !== undefined) row.nearestDeadline = h.nearestDeadline;
    if (h?.blocking !== undefined) row.blocking = h.blocking;
    const tickDemand = view.tickDemand?.get(agent);
    if (tickDemand !== undefined && tickDemand > 0) row.tickDemand = tickDemand;
    rows.push(row);
  }
  return rows;
}

/**
 * The fleet's signals for one tick merged into the engine's local inputs. Every merge is independent of the
 * order rows arrive in (max class, nearest deadline, most blocked, smallest task-type name; sums taken in the
 * store's fixed agent-then-source order), so every proxy derives the same inputs from the same rows.
 */
export function mergeSignals(rows: readonly AgentSignal[]): Required<LocalSignals> {
  const sorted = [...rows].sort((a, b) => cmp(a.agent, b.agent) || cmp(a.source, b.source));
  const hints = new Map<string, AgentHints>();
  const queuedDemand = new Map<string, number>();
  const partialUsage = new Map<string, PartialUsage>();
  for (const r of sorted) {
    if (r.queuedDemand > 0) queuedDemand.set(r.agent, (queuedDemand.get(r.agent) ?? 0) + r.queuedDemand);
    if (r.partialDemand > 0 || r.partialConsumed > 0) {
      const p = partialUsage.get(r.agent) ?? { demand: 0, consumed: 0 };
      partialUsage.set(r.agent, { demand: p.demand + r.partialDemand, consumed: p.consumed + r.partialConsumed });
    }
    if (r.priorityClass === undefined && r.taskType === undefined && r.nearestDeadline === undefined && r.blocking === undefined) continue;
    const h = { ...hints.get(r.agent) };
    if (r.priorityClass !== undefined && (h.priorityClass === undefined || priorityRank(r.priorityClass) > priorityRank(h.priorityClass))) h.priorityClass = r.priorityClass;
    if (r.taskType !== undefined && (h.taskType === undefined || r.taskType < h.taskType)) h.taskType = r.taskType;
    if (r.nearestDeadline !== undefined && (h.nearestDeadline === undefined || r.nearestDeadline < h.nearestDeadline)) h.nearestDeadline = r.nearestDeadline;
    if (r.blocking !== undefined && r.blocking > (h.blocking ?? 0)) h.blocking = r.blocking;
    hints.set(r.agent, h);
  }
  return { hints, queuedDemand, partialUsage };
}

/**
 * The part of each agent's fleet-wide allocation this proxy enforces (docs/fleet.md): its share of the agent's
 * demand during the last tick, so an agent served by several proxies (replicas of one agent, or gateway
 * replicas behind a load balancer) is not given its allocation once per proxy. The shares of an agent sum to
 * one: a proxy that saw none of its demand while others did gets none of it (share 0) for that tick, so the
 * fleet never exceeds the agent's allocation; the demand it turns away there makes the next tick's shares
 * include it. Agents no proxy saw last tick are absent (share 1).
 */
export function localShares(rows: readonly AgentSignal[], source: string): Map<string, number> {
  const sorted = [...rows].sort((a, b) => cmp(a.agent, b.agent) || cmp(a.source, b.source));
  const perAgent = new Map<string, { total: number; mine: number }>();
  for (const r of sorted) {
    const demand = r.tickDemand ?? 0;
    if (!(demand > 0)) continue;
    const a = perAgent.get(r.agent) ?? { total: 0, mine: 0 };
    a.total += demand;
    if (r.source === source) a.mine += demand;
    perAgent.set(r.agent, a);
  }
  const shares = new Map<string, number>();
  for (const [agent, a] of perAgent) {
    const share = a.mine / a.total;
    if (share < 1) shares.set(agent, share);
  }
  return shares;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
