import { priorityRank } from '../domain/priority.js';
import type { AgentHints } from '../allocation/types.js';
import type { Hints } from '../proxy/hints.js';


/**
 * The hints agents sent since the last tick (highest class, nearest deadline, most blocked tasks), which the
 * reallocation loop hands to the engine. Bounded: one small entry per agent, replaced each tick.
 */
export class HintBoard {
  private current = new Map<string, AgentHints>();
  private previous = new Map<string, AgentHints>();

  note(agent: string, hints: Hints, now: number): void {
    let h = this.current.get(agent);
    if (h === undefined) {
      h = {};
      this.current.set(agent, h);
    }
    // The class asked for, not the one granted: the engine applies the agent's ceiling itself and explains the claim.
    const asked = hints.requestedPriority;
    if (asked !== undefined && (h.priorityClass === undefined || priorityRank(asked) > priorityRank(h.priorityClass))) h.priorityClass = asked;
    if (hints.taskType !== undefined) h.taskType = hints.taskType;
    if (hints.deadline !== undefined && hints.deadline > now && (h.nearestDeadline === undefined || hints.deadline < h.nearestDeadline)) {
      h.nearestDeadline = hints.deadline;
    }
    if (hints.blocking > (h.blocking ?? 0)) h.blocking = hints.blocking;
  }

  /** Hints in force for the tick: this tick's, else the last tick's (an agent between requests keeps its class). */
  take(): ReadonlyMap<string, AgentHints> {
    const merged = new Map(this.previous);
    for (const [agent, h] of this.current) merged.set(agent, h);
    this.previous = this.current;
    this.current = new Map();
    return merged;
  }
}
