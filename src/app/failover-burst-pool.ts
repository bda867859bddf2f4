import type { BurstDraws, BurstPool, BurstPoolState, TickPool } from '../budget/burst-pool.js';
import { LocalBurstPool } from '../budget/local-burst-pool.js';
import type { PriorityClass } from '../domain/priority.js';

export interface FailoverBurstPoolOptions {
  tickMs: number;
  /** Default `high` (unused where the pool is the newcomer reserve). */
  minPriority?: PriorityClass;
  /** Capacity per tick before a table sets one (default 0); the local part holds all of it until then. */
  capacity?: number;
  /** Whether the shared store answers now. */
  isUp: () => boolean;
  /** Proxies in the fleet as last seen (at least 1): the local pool gets this proxy's part of the capacity. */
  fleetSize: () => number;
}

/**
 * Fleet mode's burst buffer (and newcomer reserve): the shared pool in the store while it answers, and while it does not (fail-open),
 * a local pool holding this proxy's part of the capacity (capacity / proxies last seen), so high-priority
 * requests over budget are still served from burst during an outage without the fleet drawing more than one
 * pool in total. Tokens go back to the pool they came from.
 */
export class FailoverBurstPool implements BurstPool {
  readonly minPriority: PriorityClass;
  private readonly local: LocalBurstPool;
  /** Tokens drawn from the local pool and not yet given back, per agent and draw time (a give-back names both). */
  private readonly localOut = new Map<string, { takenAt: number; tokens: number }>();

  constructor(
    private readonly shared: TickPool,
    private readonly options: FailoverBurstPoolOptions,
  ) {
    this.minPriority = options.minPriority ?? 'high';
    this.local = new LocalBurstPool({ tickMs: options.tickMs, capacity: options.capacity ?? 0, minPriority: this.minPriority });
  }

  async take(agent: string, amount: number, now: number): Promise<number> {
    if (this.options.isUp()) {
      try {
        return await this.shared.take(agent, amount, now);
      } catch {
        // The store failed this call: fall through to the local part.
      }
    }
    // Draws of ended ticks can no longer be given back: forget them.
    const tick = Math.floor(now / this.options.tickMs);
    for (const [key, d] of this.localOut) if (Math.floor(d.takenAt / this.options.tickMs) < tick) this.localOut.delete(key);
    const granted = this.local.take(agent, amount, now);
    if (granted > 0) {
      const key = `${agent}\n${now}`;
      this.localOut.set(key, { takenAt: now, tokens: (this.localOut.get(key)?.tokens ?? 0) + granted });
    }
    return granted;
  }

  async give(agent: string, amount: number, takenAt: number, now: number): Promise<void> {
    const key = `${agent}\n${takenAt}`;
    const out = this.localOut.get(key)?.tokens ?? 0;
    const toLocal = Math.min(out, amount);
    if (toLocal > 0) {
      if (out - toLocal > 0) this.localOut.set(key, { takenAt, tokens: out - toLocal });
      else this.localOut.delete(key);
      this.local.give(agent, toLocal, takenAt, now);
    }
    if (amount - toLocal > 0) await this.shared.give(agent, amount - toLocal, takenAt, now);
  }

  available(now: number): number {
    return this.options.isUp() ? this.shared.available(now) : this.local.available(now);
  }

  async state(now: number): Promise<BurstPoolState> {
    if (this.options.isUp()) {
      try {
        return await this.shared.state(now);
      } catch {
        // Answer with the local part below.
      }
    }
    return this.local.state(now);
  }

  setCapacity(capacity: number, tickMs: number, now: number): void {
    this.shared.setCapacity(capacity, tickMs, now);
    this.local.setCapacity(capacity / Math.max(1, this.options.fleetSize()), tickMs, now);
  }

  draws(): ReadonlyMap<string, Readonly<BurstDraws>> {
    const merged = new Map<string, BurstDraws>();
    for (const pool of [this.shared, this.local]) {
      for (const [agent, d] of pool.draws()) {
        const m = merged.get(agent) ?? { draws: 0, tokens: 0, returned: 0 };
        merged.set(agent, { draws: m.draws + d.draws, tokens: m.tokens + d.tokens, returned: m.returned + d.returned });
      }
    }
    return merged;
  }
}
