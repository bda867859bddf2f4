import { assembleInputs, inputReads } from '../app/reallocation-inputs.js';
import type { MinuteRange, OperatorPolicy } from '../app/reallocation-inputs.js';
import type { AgentHints, AllocationInput, AllocationPolicy } from '../allocation/types.js';
import type { TaskOutcome, UsageTotal } from '../store/store.js';
import type { SimAgent, SimIdentity } from './agent-state.js';
import { claimedClass, claimedDeadline, operatorPolicyOf } from './behaviour.js';

const MINUTE_MS = 60_000;

/** Where simulated time starts (tick 0) and how long a tick is. */
export interface SimClock {
  startMs: number;
  tickMs: number;
}

/**
 * The engine's input at the start of tick `k`, built as the proxy builds it (src/app/reallocation-inputs.ts): the
 * store's minute buckets hold each earlier tick's demand and consumption in the minute the tick started, rows
 * only where there was usage; task outcomes are those reported by now; queued demand is what each agent asked
 * for last tick and did not get (its requests waiting now), not the work still to come. An agent that rotates
 * ids is one agent to the simulation and several to the proxy: each id has the usage, reports and first-seen
 * of the ticks it was in use, and only the id in use sends hints and waits.
 */
export function proxyInputs(agents: readonly SimAgent[], k: number, now: number, clock: SimClock, policy: AllocationPolicy, shortfall: Float64Array): AllocationInput {
  const active = agents.filter((a) => a.joinTick <= k);
  const reads = inputReads(policy, now, false);
  const tickAt = (minute: number) => Math.min(k, Math.max(0, Math.ceil((minute * MINUTE_MS - clock.startMs) / clock.tickMs)));
  const totals = (range: MinuteRange): UsageTotal[] => {
    const from = tickAt(range.from);
    const to = tickAt(range.to);
    const rows: UsageTotal[] = [];
    if (to <= from) return rows;
    for (const a of active) {
      const ids = a.identities;
      for (let j = ids.length - 1; j >= 0; j--) {
        const id = ids[j] as SimIdentity;
        const idTo = j + 1 < ids.length ? (ids[j + 1] as SimIdentity).fromTick : to;
        if (idTo <= from) break;
        const f = Math.max(from, id.fromTick);
        const t = Math.min(to, idTo);
        if (t <= f) continue;
        const demand = (a.demandPrefix[t] as number) - (a.demandPrefix[f] as number);
        const consumed = (a.servedPrefix[t] as number) - (a.servedPrefix[f] as number);
        if (demand > 0 || consumed > 0) rows.push({ agent: id.id, demand, consumed });
      }
    }
    return rows;
  };
  const byId = new Map(agents.map((a) => [a.spec.id, a]));
  const tasks: TaskOutcome[] = [];
  const hints = new Map<string, AgentHints>();
  const queuedDemand = new Map<string, number>();
  const granted = new Map<string, OperatorPolicy>();
  for (const a of active) {
    const id = a.currentId;
    for (const o of a.recentOutcomes()) if (o.at >= reads.tasksSince && o.at <= now) tasks.push({ agent: o.agent, task: '', at: o.at, completed: o.completed, quality: o.quality, source: 'agent' });
    const nearestDeadline = claimedDeadline(a.spec, now, a.nearestDeadline());
    hints.set(id, {
      priorityClass: claimedClass(a.spec),
      ...(nearestDeadline === undefined ? {} : { nearestDeadline }),
      blocking: blocking(a, byId),
    });
    granted.set(id, operatorPolicyOf(a.spec));
    // What waits was asked under the id in use last tick: a fresh id has nothing waiting yet.
    const waiting = shortfall[a.index] as number;
    if (waiting > 0 && (a.identities[a.identities.length - 1] as SimIdentity).fromTick < k) queuedDemand.set(id, waiting);
  }
  return assembleInputs(
    policy,
    {
      recent: totals(reads.recent),
      lastHour: totals(reads.lastHour),
      sameHourYesterday: totals(reads.sameHourYesterday),
      sameHourLastWeek: totals(reads.sameHourLastWeek),
      scoring: totals(reads.scoring),
      perMinute: reads.perMinute.map(totals),
      tasks,
      overrides: [],
      seen: active.flatMap((a) => a.identities.map((id) => ({ agent: id.id, firstSeen: clock.startMs + id.fromTick * clock.tickMs }))),
    },
    { hints, queuedDemand },
    now,
    // Ids no longer in use send no claims, so they need no ceiling.
    (id) => granted.get(id) ?? {},
  );
}

/** Tasks waiting on an agent's work, as it would hint them: its open tasks while the agent it feeds has nothing to do. */
function blocking(a: SimAgent, byId: ReadonlyMap<string, SimAgent>): number {
  const target = a.spec.feeds === undefined ? undefined : byId.get(a.spec.feeds);
  return target !== undefined && target.openCount() === 0 ? a.openCount() : 0;
}
