import type { AgentHints, PriorityClass } from '../allocation/types.js';
import type { AgentSignal } from '../store/store.js';
import type { LocalSignals, PartialUsage } from './reallocation-inputs.js';

const RANK: Record<PriorityClass, number> = { low: 0, normal: 1, high: 2, critical: 3 };

/** What one proxy knows locally at a tick boundary, before it is published. */
export interface LocalView {
  hints: ReadonlyMap<string, AgentHints>;
  queuedDemand: ReadonlyMap<string, number>;
  partialUsage: ReadonlyMap<string, PartialUsage>;
}

/** This proxy's rows for the store: one per agent it has anything to say about. */
export function signalRows(source: string, view: LocalView): AgentSignal[] {
  const agents = new Set([...view.hints.keys(), ...view.queuedDemand.keys(), ...view.partialUsage.keys()]);
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
    if (r.priorityClass !== undefined && (h.priorityClass === undefined || RANK[r.priorityClass] > RANK[h.priorityClass])) h.priorityClass = r.priorityClass;
    if (r.taskType !== undefined && (h.taskType === undefined || r.taskType < h.taskType)) h.taskType = r.taskType;
    if (r.nearestDeadline !== undefined && (h.nearestDeadline === undefined || r.nearestDeadline < h.nearestDeadline)) h.nearestDeadline = r.nearestDeadline;
    if (r.blocking !== undefined && r.blocking > (h.blocking ?? 0)) h.blocking = r.blocking;
    hints.set(r.agent, h);
  }
  return { hints, queuedDemand, partialUsage };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
