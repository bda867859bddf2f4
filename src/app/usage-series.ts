import type { Store, UsageDelta } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';

const MINUTE = 60_000;
/** Agents remembered as seen (and per-tick entries) before the maps are dropped rather than grown. */
const MAX_AGENTS = 100_000;

/**
 * This proxy's usage time series: demand (what agents asked, refused included) and consumption per agent
 * per minute, written to the store for the forecast, plus the running tallies the reallocation loop drains
 * (fleet demand, the status page's activity) and the demand waiting in the queue now.
 */
export class UsageSeries {
  /** Agents this process has recorded, with the first-seen time it recorded. */
  private readonly seen = new Map<string, number>();
  private consumedThisTick = new Map<string, number>();
  private throttledThisTick = new Map<string, number>();
  private readonly queued = new Map<string, number>();
  private tickDemand = new Map<string, number>();
  /** This proxy's usage per agent in the last two minutes (fleet mode publishes the running one each tick). */
  private readonly byMinute = new Map<number, Map<string, { demand: number; consumed: number }>>();
  /** Deltas not yet written, merged per agent and minute: one store write per event-loop turn, not two per request. */
  private pending = new Map<string, UsageDelta>();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /** An agent asked for `cost` tokens at `now` (counted in the forecast's demand). */
  asked(agent: string, cost: number, now: number): void {
    this.add({ agent, minute: Math.floor(now / MINUTE), demand: cost, consumed: 0 });
    // Drained each tick in fleet mode; bounded otherwise (one entry per agent, cleared like `seen`).
    if (this.tickDemand.size > MAX_AGENTS) this.tickDemand.clear();
    bump(this.tickDemand, agent, cost);
  }

  /** An agent was charged `charged` tokens at `now`. */
  consumed(agent: string, charged: number, now: number): void {
    this.add({ agent, minute: Math.floor(now / MINUTE), demand: 0, consumed: charged });
    bump(this.consumedThisTick, agent, charged);
  }

  /** A request of the agent waited or was refused (the status page's throttled count). */
  throttled(agent: string): void {
    bump(this.throttledThisTick, agent, 1);
  }

  /** `cost` tokens of the agent start waiting for admission. */
  enqueue(agent: string, cost: number): void {
    bump(this.queued, agent, cost);
  }

  /** ...and stop waiting (admitted or not). */
  dequeue(agent: string, cost: number): void {
    const left = (this.queued.get(agent) ?? cost) - cost;
    if (left > 0) this.queued.set(agent, left);
    else this.queued.delete(agent);
  }

  /** Record that the agent exists (first-seen, kept in the store). */
  touch(agent: string, now: number): void {
    if (this.seen.has(agent)) return;
    if (this.seen.size > MAX_AGENTS) this.seen.clear();
    this.seen.set(agent, now);
    this.store.touchAgents([{ agent, firstSeen: now }]).catch((err: unknown) => this.logger.warn({ err }, 'could not record first-seen'));
  }

  /**
   * Record again every first-seen this process knows (after the shared store came back: a Redis restarted
   * without persistence forgot them). The store keeps the earliest time, so this never moves one later.
   */
  retouchAgents(): void {
    if (this.seen.size === 0) return;
    const seen = [...this.seen].map(([agent, firstSeen]) => ({ agent, firstSeen }));
    this.store.touchAgents(seen).catch((err: unknown) => this.logger.warn({ err }, 'could not record first-seen'));
  }

  /** Demand waiting in the queue now, per agent (tokens at estimated cost). */
  queuedDemand(): ReadonlyMap<string, number> {
    return new Map(this.queued);
  }

  /** Drains the demand (asked tokens, per agent) this proxy saw since the last call: fleet mode publishes it each tick. */
  takeTickDemand(): ReadonlyMap<string, number> {
    const demand = this.tickDemand;
    this.tickDemand = new Map();
    return demand;
  }

  /** This proxy's usage per agent in `minute`, if that is the running minute or the one before. */
  partialUsage(minute: number): ReadonlyMap<string, { demand: number; consumed: number }> {
    return new Map([...(this.byMinute.get(minute) ?? [])].map(([agent, u]) => [agent, { ...u }]));
  }

  /** Drains the per-tick activity counters (for the status page's history). */
  takeActivity(): { consumed: ReadonlyMap<string, number>; throttled: ReadonlyMap<string, number> } {
    const activity = { consumed: this.consumedThisTick, throttled: this.throttledThisTick };
    this.consumedThisTick = new Map();
    this.throttledThisTick = new Map();
    return activity;
  }

  private add(delta: UsageDelta): void {
    let agents = this.byMinute.get(delta.minute);
    if (agents === undefined) {
      this.byMinute.set(delta.minute, (agents = new Map()));
      for (const m of this.byMinute.keys()) if (m < delta.minute - 1) this.byMinute.delete(m);
    }
    const u = agents.get(delta.agent);
    if (u) {
      u.demand += delta.demand;
      u.consumed += delta.consumed;
    } else {
      agents.set(delta.agent, { demand: delta.demand, consumed: delta.consumed });
    }
    const key = delta.minute + ':' + delta.agent;
    const waiting = this.pending.get(key);
    if (waiting) {
      waiting.demand += delta.demand;
      waiting.consumed += delta.consumed;
      return;
    }
    if (this.pending.size === 0) setImmediate(() => this.flush());
    this.pending.set(key, { ...delta });
  }

  private flush(): void {
    const deltas = [...this.pending.values()];
    this.pending = new Map();
    this.store.addUsage(deltas).catch((err: unknown) => this.logger.warn({ err }, 'could not record usage'));
  }
}

function bump(map: Map<string, number>, agent: string, n: number): void {
  map.set(agent, (map.get(agent) ?? 0) + n);
}
