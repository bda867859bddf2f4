import { parsePriority } from '../domain/priority.js';
import type { AgentSignal } from './store.js';

/** Signals as stored (a JSON array); malformed rows are dropped, never trusted. */
export function decodeSignals(json: string): AgentSignal[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: AgentSignal[] = [];
  for (const v of parsed as unknown[]) {
    if (typeof v !== 'object' || v === null) continue;
    const r = v as Record<string, unknown>;
    if (typeof r.agent !== 'string' || typeof r.source !== 'string') continue;
    const s: AgentSignal = {
      agent: r.agent,
      source: r.source,
      queuedDemand: finite(r.queuedDemand),
      partialDemand: finite(r.partialDemand),
      partialConsumed: finite(r.partialConsumed),
    };
    const priorityClass = typeof r.priorityClass === 'string' ? parsePriority(r.priorityClass) : undefined;
    if (priorityClass !== undefined) s.priorityClass = priorityClass;
    if (typeof r.taskType === 'string') s.taskType = r.taskType;
    if (typeof r.nearestDeadline === 'number' && Number.isFinite(r.nearestDeadline)) s.nearestDeadline = r.nearestDeadline;
    if (typeof r.blocking === 'number' && Number.isFinite(r.blocking)) s.blocking = r.blocking;
    if (typeof r.tickDemand === 'number' && Number.isFinite(r.tickDemand)) s.tickDemand = r.tickDemand;
    out.push(s);
  }
  return out;
}

function finite(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
